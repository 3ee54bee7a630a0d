import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import type { RunRecord } from "../../lib/report/results.ts";
import {
  table1ExperimentMarkdown,
  table1ExperimentRows,
  verificationAccuracy,
} from "../../lib/report/table1_experiment_table.ts";
import type { VerificationRow } from "../../lib/report/tables.ts";
import { runRecord } from "./run_record.ts";

const vrow = (
  experiment: string,
  method: string,
  trainPairs: number,
  distortions: boolean,
  accuracy: number,
  paper?: number,
): VerificationRow => ({
  experiment,
  method,
  train_pairs: trainPairs,
  distortions,
  test_pairs: 10_000,
  accuracy,
  threshold: 0.1,
  auc: 0.9,
  eer: 15.5,
  paper_accuracy: paper,
});

// Out of order on purpose: the section sorts by pairs, plain before distorted.
const table1Rows = [
  vrow("table1", "siamese-bce-table1", 90_000, true, 84.25, 93.15),
  vrow("table1", "siamese-bce-table1", 30_000, false, 80.5, 90.61),
];
const inRunRows = [
  vrow("siamese", "siamese-bce", 9_576_000, true, 91.15),
  vrow("siamese", "siamese-bce-fixed-pairs", 30_000, false, 76.89, 90.61),
];
const details = {
  budget: { batchPairs: 128, steps: 450, validateEvery: 50, patience: 4, maxSeconds: 1800 },
  models: [
    {
      trainPairs: 30_000,
      distortions: false,
      steps: 300,
      maxSteps: 450,
      stoppedBy: "patience",
      seconds: 590,
      bestStep: 100,
      bestValidationAccuracy: 55.3125,
      reused: false,
    },
    {
      trainPairs: 90_000,
      distortions: true,
      steps: 450,
      maxSteps: 450,
      stoppedBy: "steps",
      seconds: 870,
      bestStep: 450,
      bestValidationAccuracy: 60,
      reused: true,
    },
  ],
};
const experiments: RunRecord["experiments"] = {
  table1: { status: "ok", seconds: 1500, backend: "wasm", details },
};

const cells = (lines: string[]) =>
  lines.join("\n").split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))
    .map((l) => l.slice(2, -2).split(" | "));

Deno.test("the Table 1 experiment's section: each row with its steps, stop, time, interval and the paper", () => {
  const lines = table1ExperimentMarkdown([...inRunRows, ...table1Rows], { experiments });
  assert.equal(lines[0], "## Table 1 (its own experiment)");
  const text = lines.join("\n");
  // The budget the models had, in words.
  assert.match(text, /minibatches of 128 pairs/);
  assert.match(text, /every 50 steps\) has not improved for 4 validations/);
  assert.match(text, /450 steps, or a time net of 30m00s/);
  const [header, ...body] = cells(lines);
  assert.deepEqual(header, [
    "train pairs",
    "distortions",
    "steps trained",
    "passes over the pool",
    "stopped by",
    "training time",
    "best validation (%)",
    "verification accuracy [95% CI]",
    "AUC",
    "EER",
    "Paper",
  ]);
  // Only the table1 experiment's rows, sorted; the in-run fixed-pair row is not among them.
  assert.deepEqual(body, [
    [
      "30000",
      "none",
      "300 of 450",
      "1.28",
      "patience (validation stalled)",
      "9m50s",
      "55.3 at step 100",
      "80.50 [79.7, 81.3]",
      "0.9000",
      "15.50",
      "90.61",
    ],
    [
      "90000",
      "affine",
      "450 of 450",
      "0.64",
      "step bound",
      "14m30s (reused)",
      "60.0 at step 450",
      "84.25 [83.5, 85.0]",
      "0.9000",
      "15.50",
      "93.15",
    ],
  ]);
  assert.match(text, /The experiment took 25m00s of wall time \(reused models'/);
  // The paper's points it has no model for are named, with the paper's numbers.
  assert.match(
    text,
    /without a model here[^\n]*: 30000 pairs affine \(paper 91\.90\), 90000 pairs none \(paper 91\.54\), 150000 pairs none \(paper 91\.63\), 150000 pairs affine \(paper 93\.42\)\./,
  );
  // No rows of the experiment: no section.
  assert.deepEqual(table1ExperimentMarkdown(inRunRows, { experiments }), []);
});

Deno.test("the Table 1 experiment's rows for a notebook: the section's cells, keyed by column", () => {
  const rows = table1ExperimentRows([...inRunRows, ...table1Rows], { experiments });
  assert.equal(rows.length, 2);
  assert.equal(rows[0]["train pairs"], 30_000);
  assert.equal(rows[0]["stopped by"], "patience (validation stalled)");
  assert.equal(rows[1]["verification accuracy [95% CI]"], "84.25 [83.5, 85.0]");
  assert.equal(rows[1]["training time"], "14m30s (reused)");
  // The same cells as the Markdown table, in its column order.
  const markdownBody = cells(table1ExperimentMarkdown([...table1Rows], { experiments })).slice(1);
  assert.deepEqual(rows.map((r) => Object.values(r).map(String)), markdownBody);
  assert.deepEqual(table1ExperimentRows(inRunRows, { experiments }), []);
});

Deno.test("a verification accuracy's interval is Wilson's over the test pairs", () => {
  // 8,050 of 10,000: Wilson 95% [79.71, 81.27]; 50 of 100: [40.38, 59.62].
  assert.equal(verificationAccuracy({ accuracy: 80.5, test_pairs: 10_000 }), "80.50 [79.7, 81.3]");
  assert.equal(verificationAccuracy({ accuracy: 50, test_pairs: 100 }), "50.00 [40.4, 59.6]");
});

Deno.test("report.md keeps the in-run rows in the Table 1 section and gives the experiment's its own", () => {
  const report = reportMarkdown({
    oneShot: [],
    verification: [...inRunRows, ...table1Rows],
    run: runRecord(resolveConfig("standard"), experiments),
    figures: [],
  });
  const inRun = report.slice(
    report.indexOf("## Verification (paper Table 1)"),
    report.indexOf("## Table 1 (its own experiment)"),
  );
  assert.ok(inRun.length > 0, "the experiment's section comes after the in-run one");
  assert.match(inRun, /siamese: siamese-bce-fixed-pairs \| 30000/);
  assert.doesNotMatch(inRun, /siamese-bce-table1/);
  const own = report.slice(report.indexOf("## Table 1 (its own experiment)"));
  assert.match(own, /\| 30000 \| none \| 300 of 450 \| 1\.28 \|/);
  assert.ok(report.indexOf("## Table 1 (its own experiment)") < report.indexOf("## MNIST"));
});
