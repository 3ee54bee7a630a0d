import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { run } from "../../lib/experiments/siamese.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import type { RunRecord } from "../../lib/report/results.ts";
import { timeLimitLines, timeLimitStops, timeLimitWarning } from "../../lib/report/time_limits.ts";
import { Rng } from "../../lib/rng.ts";
import { applySlice } from "../../lib/training/run_slice.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

const quick = resolveConfig("quick");

Deno.test("time-limit stops are found in fresh and reused records, with the profile's step bound", () => {
  assert.deepEqual(timeLimitStops("siamese", { steps: 600, stoppedBy: "steps" }, quick), []);
  const siamese = timeLimitStops("siamese", {
    steps: 312,
    stoppedBy: "time",
    table1: [{ trainPairs: 2000, distortions: true, steps: 7, stoppedBy: "time" }],
  }, quick);
  assert.deepEqual(siamese.map((s) => [s.model, s.step, s.of]), [
    ["siamese", 312, 600],
    ["siamese table1 2000 pairs, distorted", 7, 20],
  ]);
  assert.equal(
    siamese[0].message,
    "training stopped at step 312 of 600 by the time limit; these numbers are not the quick profile's",
  );
  const triplet = timeLimitStops("triplet", {
    models: {
      "triplet-batch-hard": { miner: "batch-hard", steps: 99, stoppedBy: "time" },
      "triplet-semi-hard": { miner: "semi-hard", steps: 150, stoppedBy: "steps" },
    },
  }, quick);
  assert.deepEqual(triplet.map((s) => [s.model, s.step, s.of]), [["triplet-batch-hard", 99, 150]]);
  const warning = timeLimitWarning(triplet);
  assert.ok(warning.split("\n").length >= 4, "a block, not one log line");
  assert.match(warning, /WARNING: a time safety net stopped training/);
  assert.match(warning, /triplet-batch-hard: training stopped at step 99 of 150 by the time limit/);
});

Deno.test("a --max-minutes slice is named as the user's bound, not as a slow machine", () => {
  // The paper slice of 65 minutes was reported as "a time safety net stopped training ... the
  // machine was slower or busier than the profile allows for".
  const sliced = resolveConfig("paper");
  sliced.slice = { maxMinutes: 65, evaluation: "one-shot", skipped: [] };
  const stops = timeLimitStops("siamese", { steps: 85, stoppedBy: "time" }, sliced);
  assert.equal(
    stops[0].message,
    "training stopped at step 85 of 200000 by --max-minutes 65 (a bounded slice, as asked); " +
      "these numbers are not the paper profile's",
  );
  const warning = timeLimitWarning(stops, sliced);
  assert.match(warning, /NOTE: --max-minutes 65 ended training before the profile's step bound/);
  assert.doesNotMatch(warning, /slower or busier/);
  // The same stop without a slice is a safety net's.
  const net = timeLimitStops("siamese", { steps: 85, stoppedBy: "time" }, resolveConfig("paper"));
  assert.equal(net[0].bySlice, false);
  assert.match(timeLimitWarning(net), /WARNING: a time safety net/);
});

/** run.json's record of a siamese run with these time-limit lines, for report.md. */
function recordWith(config: ReturnType<typeof resolveConfig>, timeLimit: string[]): RunRecord {
  return {
    profile: config.profile,
    seed: 1,
    configHash: "0123456789ab",
    status: "complete",
    backend: "wasm",
    backendsSkipped: [],
    startedAt: "",
    finishedAt: "",
    versions: {},
    gitCommit: "abc",
    command: [],
    config,
    experiments: { siamese: { status: "ok", seconds: 1, backend: "wasm", timeLimit } },
  };
}

Deno.test("report.md of a --max-minutes slice heads its stops with the user's bound", () => {
  // The header said "Warning: stopped by a time limit" above a line naming --max-minutes.
  const sliced = resolveConfig("paper");
  applySlice(sliced, { maxMinutes: 65 }, "wasm");
  const stops = timeLimitStops("siamese", { steps: 85, stoppedBy: "time" }, sliced);
  assert.equal(stops[0].bySlice, true);
  const lines = stops.map((s) => `${s.model}: ${s.message}`);
  const report = reportMarkdown({
    oneShot: [],
    verification: [],
    run: recordWith(sliced, lines),
    figures: [],
  });
  assert.match(report, /> \*\*Note: stopped by --max-minutes, as asked \(a bounded slice\)\.\*\*/);
  assert.doesNotMatch(report, /Warning: stopped by a time limit/);
  assert.match(report, /> - siamese: training stopped at step 85 of 200000 by --max-minutes 65/);
  assert.match(report, /ok \(1 stopped by --max-minutes\)/);
});

Deno.test("in a slice, a safety net below the user's bound still warns, in the console and report.md", () => {
  // standard's Siamese net has a 40-minute net: a 65-minute slice does not reach its own bound.
  const sliced = resolveConfig("standard");
  applySlice(sliced, { maxMinutes: 65 }, "wasm");
  const stops = timeLimitStops("siamese", {
    steps: 4000,
    stoppedBy: "time",
    table1: [{ trainPairs: 30000, distortions: true, steps: 60, stoppedBy: "time" }],
  }, sliced);
  // Table 1's net is 5 minutes: the safety net, not --max-minutes 65.
  assert.deepEqual(stops.map((s) => [s.model, s.bySlice]), [
    ["siamese", false],
    ["siamese table1 30000 pairs, distorted", false],
  ]);
  assert.match(stops[0].message, /of 4750 by the time limit; these numbers are not the standard/);
  assert.match(timeLimitWarning(stops, sliced), /WARNING: a time safety net/);
  const lines = stops.map((s) => `${s.model}: ${s.message}`);
  const report = reportMarkdown({
    oneShot: [],
    verification: [],
    run: recordWith(sliced, lines),
    figures: [],
  });
  assert.match(report, /> \*\*Warning: stopped by a time limit\.\*\*/);
  // A 3-minute slice binds below both nets: a note, with the user's bound on every line.
  const short = resolveConfig("standard");
  applySlice(short, { maxMinutes: 3 }, "wasm");
  const asked = timeLimitStops("siamese", {
    steps: 400,
    stoppedBy: "time",
    table1: [{ trainPairs: 30000, distortions: true, steps: 60, stoppedBy: "time" }],
  }, short);
  assert.deepEqual(asked.map((s) => s.bySlice), [true, true]);
  assert.match(timeLimitWarning(asked, short), /NOTE: --max-minutes 3 ended training/);
});

Deno.test({
  name: "a tiny config whose time net binds: its details, run.json lines and report.md say so",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    await selectBackend("wasm");
    const config = resolveConfig("quick");
    config.siamese.maxSeconds = 1;
    config.siamese.table1.maxSeconds = 0.5;
    const outDir = tempDir();
    const result = await run({
      config,
      rng: new Rng(config.seed, "siamese"),
      data: new DataSource({ evaluation: config.evaluation, seed: config.seed, quiet: true }),
      backend: tf.getBackend(),
      outDir,
      log: () => {},
      quiet: true,
    });
    const stops = timeLimitStops("siamese", result.details, config);
    assert.deepEqual(stops.map((s) => [s.model, s.of]), [
      ["siamese", 600],
      ["siamese table1 2000 pairs, distorted", 20],
    ]);
    for (const s of stops) {
      assert.ok(s.step < s.of, `${s.model} stopped at ${s.step}`);
      assert.match(
        s.message,
        /^training stopped at step \d+ of \d+ by the time limit; these numbers are not the quick profile's$/,
      );
    }
    const timeLimit = timeLimitLines(stops);
    const record: RunRecord = {
      profile: "quick",
      seed: 1,
      configHash: "0123456789ab",
      status: "complete",
      backend: "wasm",
      backendsSkipped: [],
      startedAt: "",
      finishedAt: "",
      versions: {},
      gitCommit: "abc",
      command: [],
      config,
      experiments: { siamese: { status: "ok", seconds: 1, backend: "wasm", timeLimit } },
    };
    const report = reportMarkdown({
      oneShot: result.oneShot,
      verification: result.verification,
      run: record,
      figures: [],
    });
    assert.match(report, /Warning: stopped by a time limit/);
    assert.match(
      report,
      new RegExp(
        `siamese: training stopped at step ${
          stops[0].step
        } of 600 by the time limit; these numbers are not the quick profile's`,
      ),
    );
    assert.match(report, /ok \(2 stopped by the time limit\)/);
    await Deno.remove(outDir, { recursive: true });
  },
});

Deno.test("a triplet net stopped by its time net: the console, run.json and report.md say X of Y", () => {
  // The record shape of triplet's run.json details (a standard run's, histories left out).
  const model = (miner: string, steps: number, stoppedBy: string) => ({
    reused: false,
    configHash: "74743cd408806c4e",
    miner,
    distance: "squared-l2",
    steps,
    stoppedBy,
    bestStep: 3000,
    bestValidation: 80.3,
    seconds: 1800.2,
    imagesPerSecond: 365.5,
    pairsPerSecond: 11512.7,
    history: [{ step: 250, loss: 0.2, accuracy: 40, seconds: 80 }],
    kinds: [],
    backend: "wasm",
    lakeRuns: 90.5,
    koch400: 80.25,
  });
  const standard = resolveConfig("standard");
  const details = {
    imageSize: 35,
    models: {
      "triplet-batch-hard": model("batch-hard", 3214, "time"),
      "triplet-semi-hard": model("semi-hard", 5500, "steps"),
    },
  };
  const stops = timeLimitStops("triplet", details, standard);
  const expected = "triplet-batch-hard: training stopped at step 3214 of 5500 by the time " +
    "limit; these numbers are not the standard profile's";
  assert.deepEqual(timeLimitLines(stops), [expected]); // run.json's record
  assert.ok(timeLimitWarning(stops, standard).includes(`  ${expected}.`)); // the console
  const record = recordWith(standard, timeLimitLines(stops));
  record.experiments = { triplet: { ...record.experiments.siamese, details } };
  const report = reportMarkdown({ oneShot: [], verification: [], run: record, figures: [] });
  assert.ok(report.includes(`> - ${expected}.`), "report.md lists it");
  assert.match(report, /> \*\*Warning: stopped by a time limit\.\*\*/);
  assert.match(report, /\| triplet +\| ok \(1 stopped by the time limit\)/);
});
