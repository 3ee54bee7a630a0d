import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { run as runBaseline } from "../../lib/experiments/baseline.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import { run as runSiamese } from "../../lib/experiments/siamese.ts";
import { run as runTriplet } from "../../lib/experiments/triplet.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import { table2Cells, validationCells } from "../../lib/report/summary_tables.ts";
import type { OneShotRow } from "../../lib/report/tables.ts";
import { applySlice } from "../../lib/training/run_slice.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";
import { runRecord } from "../report/run_record.ts";

Deno.test({
  name:
    "every one-shot model of a run gets one koch-val row (validation split, 2,000 trials), and report.md a validation table",
  ignore: NO_OMNIGLOT,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const backend = await selectBackend("wasm");
    // The quick profile cut to 2 training steps, no Table 1 models and one n-way point:
    // what is tested is which rows the experiments write, not what the nets learn.
    const config = resolveConfig("quick");
    applySlice(config, { maxSteps: 2 }, "wasm");
    config.siamese.table1.trainPairs = [];
    config.siamese.validateEvery = 2;
    config.triplet.validateEvery = 2;
    config.evaluation.nWays = [5];
    const outDir = tempDir("koch-val-test-");
    const data = new DataSource({ evaluation: config.evaluation, seed: config.seed, quiet: true });
    const context = (name: "baseline" | "siamese" | "triplet") =>
      experimentContext(config, name, { backend: backend.name, outDir, data, quiet: true });
    const baseline = await runBaseline(context("baseline"));
    const siamese = await runSiamese(context("siamese"));
    const triplet = await runTriplet(context("triplet"));
    const rows: OneShotRow[] = [...baseline.oneShot, ...siamese.oneShot, ...triplet.oneShot];

    const val = rows.filter((r) => r.protocol === "koch-val");
    assert.deepEqual(val.map((r) => `${r.experiment}: ${r.method}`), [
      "baseline: 1-nn-cosine",
      "baseline: 1-nn-l2",
      "siamese: siamese-bce",
      "triplet: triplet-batch-hard",
      "triplet: triplet-semi-hard",
    ]);
    for (const r of val) {
      assert.equal(r.dataset, "omniglot-validation");
      assert.equal(r.ways, 20);
      assert.equal(r.trials, 2000);
      // The paper has no validation number.
      assert.equal(r.paper_accuracy, undefined);
      assert.ok(r.correct >= 0 && r.correct <= 2000);
      assert.equal(r.accuracy, Math.round(r.correct / 2000 * 10000) / 100);
    }
    // The test protocols' rows come first, in their old order; no other row is on validation.
    assert.deepEqual(siamese.oneShot.map((r) => r.protocol), [
      "lake-runs",
      "koch-400",
      "n-way",
      "koch-val",
    ]);
    assert.ok(rows.every((r) =>
      (r.protocol === "koch-val") === (r.dataset !== "omniglot" &&
        r.dataset !== "mnist")
    ));
    assert.equal(siamese.details.kochVal!.accuracy, val[2].accuracy);
    assert.ok(siamese.details.kochVal!.seconds > 0);
    const perMiner = triplet.details.models as Record<string, { kochVal?: { accuracy: number } }>;
    assert.equal(perMiner["triplet-semi-hard"].kochVal!.accuracy, val[4].accuracy);

    // report.md: koch-val beside each model's test numbers, and kept out of Table 2.
    const cells = validationCells(rows);
    assert.equal(cells.rows.length, 5);
    for (const row of cells.rows) {
      assert.ok(row[3] !== "" && row[4] !== "", `${row[0]}: lake-runs and koch-400 beside it`);
    }
    assert.equal(table2Cells(rows).rows.length, 5);
    const report = (oneShot: OneShotRow[]) =>
      reportMarkdown({
        oneShot,
        verification: [],
        run: runRecord(config),
        figures: [],
      });
    const md = report(rows);
    assert.match(md, /## Validation \(where choices are made\)/);
    assert.match(md, /read once per configuration/);
    assert.match(md, /\| triplet: triplet-semi-hard \| \d+\.\d\d \[/);
    // A folder of an older run (no koch-val rows) gets no empty section.
    assert.doesNotMatch(report(rows.filter((r) => r.protocol !== "koch-val")), /## Validation/);
    await Deno.remove(outDir, { recursive: true });
  },
});
