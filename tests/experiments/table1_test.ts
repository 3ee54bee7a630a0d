import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { EXPERIMENTS, parseOnly } from "../../lib/experiment_names.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { TABLE1_BUDGETS, table1Config } from "../../lib/experiments/table1_budget.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import {
  loadSiamese,
  TABLE1_EXPERIMENT_METHOD,
  TABLE1_METHOD,
  table1ExperimentDir,
} from "../../lib/experiments/model_store.ts";
import { siameseHash, table1ExperimentHash } from "../../lib/experiments/model_hashes.ts";
import { run } from "../../lib/experiments/table1.ts";
import { runIdentity } from "../../lib/report/run_identity.ts";
import { timeLimitStops } from "../../lib/report/time_limits.ts";
import { applySlice, checkChunking } from "../../lib/training/run_slice.ts";
import { parseReproduceArgs } from "../../scripts/reproduce.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";
import { smallTripletBatch } from "./small_triplet_batch.ts";

await selectBackend("wasm");

Deno.test("table1 runs only when --only names it, alone or with others, after them", () => {
  assert.deepEqual([...EXPERIMENTS], [
    "baseline",
    "siamese",
    "triplet",
    "same-tower",
    "ensemble",
    "mnist",
  ]);
  assert.ok(!parseOnly(undefined).includes("table1"), "not in the default run");
  assert.deepEqual(parseOnly("table1"), ["table1"]);
  assert.deepEqual(parseOnly("table1,mnist,siamese"), ["siamese", "mnist", "table1"]);
  assert.deepEqual(parseReproduceArgs(["--only", "table1"]).only, "table1");
  assert.throws(
    () => parseOnly("table-1"),
    (e: Error) =>
      e instanceof UsageError && /choose from .*table1 \(table1 only when named\)/.test(e.message),
  );
  // It trains the Siamese tower: --chunk is refused for the standard profile's batch-norm tower.
  assert.throws(
    () => checkChunking(resolveConfig("standard"), ["table1"], { chunkImages: 8 }),
    (e: Error) => e instanceof UsageError && /table1 tower/.test(e.message),
  );
});

/**
 * Pool steps per second of a standard model (100 steps in 30.5-33.2 s, 2 wasm threads, alone under
 * the shared lock, 2026-12-04): what `TABLE1_BUDGETS`'s comment projects the standard budget from.
 * The issue's slow machine runs at 0.6x the development machine's speed.
 */
const MEASURED_STEPS_PER_SECOND = 3.0;
const SLOW_MACHINE = 0.6;

Deno.test("table1Config: standard 30k, 90k and 150k pairs with and without distortions, its own budget; quick one tiny point", () => {
  const standard = resolveConfig("standard");
  const s = table1Config(standard);
  assert.deepEqual(s.trainPairs, [30_000, 90_000, 150_000]);
  assert.deepEqual(s.distortions, [false, true]);
  assert.equal(s.batchPairs, 128, "section 3.2's minibatch");
  assert.deepEqual(
    [s.steps, s.validateEvery, s.patience, s.maxSeconds],
    [3000, 50, 10, 2700],
  );
  // Patience can stop a model before its step bound (it needs patience + 1 validations).
  assert.ok((s.patience + 1) * s.validateEvery < s.steps);
  // Several passes over even the largest pool.
  assert.ok((s.steps * s.batchPairs) / Math.max(...s.trainPairs) >= 2.5);
  // Six models at the measured rate fit under two hours; each model's time net does not bind on
  // the slow machine (a safety net, not the bound).
  const models = s.trainPairs.length * s.distortions.length;
  const projected = s.steps / MEASURED_STEPS_PER_SECOND;
  assert.ok(models * projected <= 2 * 60 * 60, `${models} x ${projected.toFixed(0)} s`);
  assert.ok(s.maxSeconds > projected / SLOW_MACHINE);
  assert.ok(s.maxSeconds <= 3 * projected);
  // Its own budget, not the in-run pipeline check's (which stays as it was).
  assert.deepEqual(standard.siamese.table1, {
    trainPairs: [30_000],
    distortions: [false, true],
    batchPairs: 128,
    steps: 75,
    validateEvery: 75,
    patience: 5,
    maxSeconds: 300,
  });

  const quick = table1Config(resolveConfig("quick"));
  assert.deepEqual([quick.trainPairs, quick.distortions], [[2_000], [true]]);
  assert.equal(quick.batchPairs, resolveConfig("quick").siamese.table1.batchPairs);
  assert.ok(quick.steps <= 30 && quick.validateEvery < quick.steps);

  // The paper profile's block is Table 1 in full: taken as it is.
  const paper = resolveConfig("paper");
  assert.equal(TABLE1_BUDGETS.paper, undefined);
  assert.deepEqual(table1Config(paper), paper.siamese.table1);
});

Deno.test("a slice caps table1's steps and time as every model's", () => {
  const config = resolveConfig("standard");
  applySlice(config, { maxSteps: 7, maxMinutes: 2 }, "wasm");
  const s = table1Config(config);
  assert.equal(s.steps, 7);
  assert.equal(s.maxSeconds, 120);
  const paper = resolveConfig("paper");
  applySlice(paper, { maxSteps: 9 }, "webgpu");
  assert.equal(table1Config(paper).steps, 9);
});

/**
 * The resolved configs' hashes (run.json's configHash): the table1 experiment adds no config
 * field, so existing results folders take `--only table1`. They stayed what they were before the
 * experiment existed (commit 3c2d8af: standard b8c46a8a41c9) until the triplet block took quarter
 * turns (commit 4c52548; standard 2326d3835b5e), then thick strokes (standard 9b9ad11fa16c),
 * then the Siamese net's weight average (standard 1781979dc9ac), then the ink boxes, the doubled
 * triplet batch and the triplet block's weight average (below): changes of what the run trains,
 * so a folder of an older run is refused.
 */
Deno.test("the profiles' run identities stay what they were", () => {
  // From commit daab9d1 the quick and standard profiles cut the images to ink boxes, from
  // commit 8637af6 the standard triplet block takes 32 characters a batch (quick keeps 16) and a
  // time net to match, and from commit b2c2014 the triplet block averages its weights; undone, they
  // are the configurations of before.
  assert.equal(runIdentity(resolveConfig("quick")).configHash, "3c0112163fe7");
  assert.equal(runIdentity(resolveConfig("standard")).configHash, "eb563d39f7e7");
  const lastWeights = (profile: string) => {
    const config = resolveConfig(profile);
    config.triplet.weightAverage = undefined;
    return config;
  };
  assert.equal(runIdentity(lastWeights("quick")).configHash, "e4d3731ff7a8");
  assert.equal(runIdentity(lastWeights("standard")).configHash, "b5e14c10ecea");
  const smallBatch = (profile: string) => {
    const config = lastWeights(profile);
    return profile === "standard" ? smallTripletBatch(config) : config;
  };
  assert.equal(runIdentity(smallBatch("standard")).configHash, "bf5c8c29c8ae");
  const released = (profile: string) => {
    const config = smallBatch(profile);
    config.evaluation.inkBox = undefined;
    return config;
  };
  assert.equal(runIdentity(released("quick")).configHash, "5fbd4470caa3");
  assert.equal(runIdentity(released("standard")).configHash, "1781979dc9ac");
  // The paper profile trains on the paper's images and keeps its last weights: it stays.
  assert.equal(runIdentity(resolveConfig("paper")).configHash, "fe15de0a5bf6");
  // The in-run Table 1 models' hashes too (a clean standard run's saved siamese.json files), so
  // their saved models are reused and their rows stay.
  const standard = released("standard");
  assert.equal(
    siameseHash(standard, { trainPairs: 30_000, distortions: false }),
    "5a755166afe40adc",
  );
  assert.equal(
    siameseHash(standard, { trainPairs: 30_000, distortions: true }),
    "92739937c38481db",
  );
});

Deno.test("a table1 model's hash follows its point, budget and training settings, and nothing it does not use", () => {
  const point = { trainPairs: 30_000, distortions: false };
  const hash = table1ExperimentHash(resolveConfig("standard"), point);
  const changed = (edit: (c: ReturnType<typeof resolveConfig>) => void, p = point) => {
    const c = resolveConfig("standard");
    edit(c);
    return table1ExperimentHash(c, p);
  };
  assert.notEqual(
    changed(() => {}, { trainPairs: 30_000, distortions: true }),
    hash,
    "distortions",
  );
  assert.notEqual(changed(() => {}, { trainPairs: 90_000, distortions: false }), hash, "pairs");
  assert.notEqual(changed((c) => c.siamese.learningRate = 1e-3), hash, "rate");
  assert.notEqual(changed((c) => c.siamese.tower.dense = 7), hash, "tower");
  assert.notEqual(changed((c) => c.siamese.table1.batchPairs = 64), hash, "pool batch");
  assert.notEqual(changed((c) => applySlice(c, { maxSteps: 9 }, "wasm")), hash, "a slice's steps");
  assert.notEqual(changed((c) => c.seed = 2), hash, "seed");
  // The main net's limits and the in-run Table 1 block do not reach these models.
  assert.equal(changed((c) => c.siamese.steps = 1), hash, "main net's steps");
  assert.equal(changed((c) => c.siamese.maxSeconds = 1), hash, "main net's time net");
  assert.equal(changed((c) => c.siamese.table1.steps = 1), hash, "in-run Table 1 steps");
  assert.equal(changed((c) => c.triplet.steps = 1), hash, "triplet");
  // Its own model, not the in-run one at the same point.
  assert.notEqual(hash, siameseHash(resolveConfig("standard"), point));
});

Deno.test("a table1 model stopped by its time net is named by its point and reported against its bound", () => {
  const config = resolveConfig("standard");
  const stops = timeLimitStops("table1", {
    budget: table1Config(config),
    models: [
      { trainPairs: 30_000, distortions: false, steps: 300, maxSteps: 450, stoppedBy: "patience" },
      {
        trainPairs: 90_000,
        distortions: true,
        steps: 401,
        maxSteps: 450,
        maxSeconds: 1800,
        stoppedBy: "time",
      },
    ],
  }, config);
  assert.deepEqual(stops.map((s) => [s.model, s.step, s.of, s.bySlice]), [
    ["table1 90000 pairs, distorted", 401, 450, false],
  ]);
  assert.match(stops[0].message, /by the time limit/);
});

Deno.test("a one-shot slice (105x105 on a CPU backend) skips every table1 model and says so", async () => {
  const config = resolveConfig("paper");
  applySlice(config, { maxMinutes: 3 }, "wasm");
  assert.equal(config.slice?.evaluation, "one-shot");
  const lines: string[] = [];
  const outDir = tempDir();
  const result = await run(
    experimentContext(config, "table1", { outDir, log: (l) => lines.push(l) }),
  );
  await Deno.remove(outDir, { recursive: true });
  assert.deepEqual([result.verification, result.details.models], [[], []]);
  assert.match(result.details.skipped?.[0] ?? "", /table1: every model/);
  assert.match(lines.join("\n"), /skipped: table1: every model/);
});

Deno.test({
  name:
    "table1 trains a model on a fixed pool, scores verification with the paper's column, saves it, and reuses it",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    // Seconds, not minutes: a few steps exercise the path; no accuracy is claimed.
    applySlice(config, { maxSteps: 4 }, "wasm");
    const outDir = tempDir();
    const context = () =>
      experimentContext(config, "table1", { backend: tf.getBackend(), outDir, quiet: true });
    const first = await run(context());
    assert.deepEqual(first.oneShot, []);
    assert.deepEqual(
      first.verification.map((r) => [r.experiment, r.method, r.train_pairs, r.distortions]),
      [["table1", TABLE1_EXPERIMENT_METHOD, 2_000, true]],
    );
    assert.notEqual(TABLE1_EXPERIMENT_METHOD, TABLE1_METHOD);
    const row = first.verification[0];
    assert.equal(row.test_pairs, config.evaluation.verificationPairs);
    // 2,000 pairs is no point of the paper's Table 1: no paper number.
    assert.equal(row.paper_accuracy, undefined);
    const [model] = first.details.models;
    assert.equal(model.steps, 4);
    assert.equal(model.maxSteps, 4);
    assert.equal(model.stoppedBy, "steps");
    assert.equal(model.reused, false);
    assert.equal(model.accuracy, row.accuracy);
    assert.ok(model.seconds > 0);
    assert.deepEqual(first.details.budget, table1Config(config));
    assert.deepEqual(first.figures.map((f) => f.name), ["table1_2000_distorted_training"]);

    const dir = table1ExperimentDir(outDir, { trainPairs: 2_000, distortions: true });
    const saved = await loadSiamese(dir);
    assert.equal(saved.meta.configHash, table1ExperimentHash(config, model));
    assert.equal(saved.meta.training.pairsPerStep, config.siamese.table1.batchPairs);
    saved.net.tower.dispose();
    saved.net.head.dispose();

    const second = await run(context());
    assert.equal(second.details.models[0].reused, true);
    assert.deepEqual(second.verification, first.verification);
    await Deno.remove(outDir, { recursive: true });
  },
});
