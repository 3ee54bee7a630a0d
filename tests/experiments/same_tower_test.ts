import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { EXPERIMENTS, parseOnly } from "../../lib/experiment_names.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { SAME_TOWER_STEP_COST, sameTowerConfig } from "../../lib/experiments/same_tower_config.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import { loadSiamese, SAME_TOWER_METHOD, sameTowerDir } from "../../lib/experiments/model_store.ts";
import { sameTowerHash, siameseHash, tripletHash } from "../../lib/experiments/model_hashes.ts";
import { run } from "../../lib/experiments/same_tower.ts";
import { headKind } from "../../lib/models/cosine_head.ts";
import { timeLimitStops } from "../../lib/report/time_limits.ts";
import { applySlice, checkChunking } from "../../lib/training/run_slice.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

await selectBackend("wasm");

/** The conv layers of a tower as [filters, kernel] (what decides the architecture). */
function convLayers(tower: { layers: { getClassName(): string; getConfig(): unknown }[] }) {
  return tower.layers.filter((l) => l.getClassName() === "Conv2D").map((l) => {
    const c = l.getConfig() as { filters: number; kernelSize: number[] };
    return [c.filters, c.kernelSize[0]];
  });
}

Deno.test("same-tower takes the triplet's tower and steps and the Siamese net's loss and optimiser", () => {
  for (const profile of ["quick", "standard", "paper"]) {
    const config = resolveConfig(profile);
    const s = sameTowerConfig(config);
    const { triplet, siamese } = config;
    assert.deepEqual(s.tower.convs, triplet.tower.convs, profile);
    assert.equal(s.tower.batchNorm, triplet.tower.batchNorm, profile);
    assert.equal(s.tower.init, triplet.tower.init, profile);
    assert.equal(s.tower.inputSize, config.evaluation.imageSize, profile);
    assert.equal(s.tower.dense, triplet.embeddingDim, profile);
    // Linear: the cosine head normalises the features (the triplet embedding's end).
    assert.equal(s.tower.denseActivation, "linear", profile);
    assert.equal(s.head, "cosine", profile);
    assert.equal(s.steps, triplet.steps, profile);
    assert.equal(s.validateEvery, triplet.validateEvery, profile);
    assert.equal(s.patience, triplet.patience, profile);
    // The triplet's batch: the same images a step.
    assert.equal(s.batchCharacters, triplet.batchCharacters, profile);
    assert.equal(s.batchDrawings, triplet.batchDrawings, profile);
    assert.equal(s.batchPerAlphabet, triplet.batchPerAlphabet, profile);
    // The triplet's training characters and strokes, so the data is the same too.
    assert.equal(s.quarterTurns, triplet.quarterTurns, profile);
    assert.equal(s.thickStrokes, triplet.thickStrokes, profile);
    assert.equal(s.elastic, triplet.elastic, profile);
    // Its time net: about the triplet's scaled by the step cost (a safety net, never the bound).
    assert.equal(s.maxSeconds, Math.round(triplet.maxSeconds * SAME_TOWER_STEP_COST), profile);
    assert.ok(s.maxSeconds > triplet.maxSeconds, profile);
    for (
      const k of [
        "focus",
        "learningRate",
        "lrDecay",
        "decayEvery",
        "optimizer",
        "l2",
        "sameAlphabetWeight",
        "distortions",
      ] as const
    ) assert.equal(s[k], siamese[k], `${profile} ${k}`);
  }
  // The standard profile's point: a tower other than the Siamese experiment's.
  const standard = resolveConfig("standard");
  assert.notDeepEqual(sameTowerConfig(standard).tower.convs, standard.siamese.tower.convs);
  assert.equal(sameTowerConfig(standard).thickStrokes, 0.5);
  const bent = resolveConfig("standard");
  bent.triplet.elastic = 6;
  assert.equal(sameTowerConfig(bent).elastic, 6, "the triplet's elastic distortions too");
  bent.triplet.erasing = 0.5;
  assert.equal(sameTowerConfig(bent).erasing, 0.5, "and its erasing");
  // The triplet's geometry: the cosine head on a linear embedding, unless the Siamese block
  // names a head (then it is the Siamese block's, with the sigmoid features it expects).
  assert.equal(standard.siamese.head, undefined);
  assert.equal(sameTowerConfig(standard).head, "cosine");
  assert.equal(sameTowerConfig(standard).tower.denseActivation, "linear");
  const paperHead = resolveConfig("standard");
  paperHead.siamese.head = "weighted-l1";
  assert.equal(sameTowerConfig(paperHead).head, "weighted-l1");
  // Batch-hard's pairs carry the cross-entropy, unless the Siamese block names a weighting; the
  // Siamese net on its own tower keeps every pair (its head collapses under the hardest).
  assert.equal(standard.siamese.pairMining, undefined);
  assert.equal(sameTowerConfig(standard).pairMining, "hardest");
  const every = resolveConfig("standard");
  every.siamese.pairMining = "all";
  assert.equal(sameTowerConfig(every).pairMining, "all");
  assert.equal(sameTowerConfig(paperHead).tower.denseActivation, "sigmoid");
  assert.notEqual(sameTowerHash(paperHead), sameTowerHash(standard));
});

Deno.test("the same-tower hash follows the triplet tower, steps and Siamese loss, and nothing it does not use", () => {
  const base = resolveConfig("standard");
  const hash = sameTowerHash(base);
  const changed = (edit: (c: ReturnType<typeof resolveConfig>) => void) => {
    const c = resolveConfig("standard");
    edit(c);
    return sameTowerHash(c);
  };
  assert.notEqual(
    changed((c) => c.triplet.tower.convs[3].filters = 64),
    hash,
    "triplet tower's filters",
  );
  assert.notEqual(changed((c) => c.triplet.tower.convs.pop()), hash, "triplet tower's depth");
  assert.notEqual(changed((c) => c.triplet.embeddingDim = 64), hash, "embedding width");
  assert.notEqual(changed((c) => c.triplet.steps = 5_000), hash, "triplet steps");
  assert.notEqual(changed((c) => c.triplet.patience = 5), hash, "triplet patience");
  assert.notEqual(changed((c) => c.siamese.focus = 0), hash, "Siamese focal weighting");
  assert.notEqual(changed((c) => c.siamese.learningRate = 1e-3), hash, "Siamese rate");
  assert.notEqual(changed((c) => c.triplet.maxSeconds = 60), hash, "its time net");
  assert.notEqual(changed((c) => c.seed = 2), hash, "seed");
  // Settings that do not reach this model leave its saved model valid.
  assert.equal(changed((c) => c.siamese.steps = 1), hash, "the Siamese experiment's steps");
  assert.equal(changed((c) => c.siamese.tower.dense = 7), hash, "the Siamese experiment's tower");
  assert.equal(changed((c) => c.siamese.table1.steps = 1), hash, "Table 1");
  assert.equal(changed((c) => c.triplet.margin = 0.5), hash, "the triplet margin");
  assert.equal(changed((c) => c.triplet.learningRate = 1), hash, "the triplet rate");
  // Its own model, not the Siamese or a triplet one.
  assert.notEqual(hash, siameseHash(base));
  assert.notEqual(hash, tripletHash(base, "batch-hard"));
});

Deno.test("--only same-tower parses, and the default runs it after triplet, before ensemble and mnist", () => {
  assert.deepEqual(parseOnly("same-tower"), ["same-tower"]);
  assert.deepEqual(parseOnly("mnist,same-tower,triplet"), ["triplet", "same-tower", "mnist"]);
  const all = parseOnly(undefined);
  assert.deepEqual(all, [...EXPERIMENTS]);
  assert.equal(all.indexOf("same-tower"), all.indexOf("triplet") + 1);
  // The ensemble scores the same-tower net too, so it comes after it.
  assert.equal(all.indexOf("ensemble"), all.indexOf("same-tower") + 1);
  assert.equal(all.indexOf("mnist"), all.indexOf("ensemble") + 1);
  assert.throws(() => parseOnly("same_tower"), UsageError);
});

Deno.test("a slice caps same-tower's steps and time, and --chunk refuses its batch-norm tower", () => {
  const config = resolveConfig("standard");
  applySlice(config, { maxSteps: 7, maxMinutes: 2 }, "wasm");
  const s = sameTowerConfig(config);
  assert.equal(s.steps, 7);
  // --max-minutes 2 bounds it as it bounds the others, not 4/3 of it.
  assert.equal(s.maxSeconds, 120);
  // The quick profile's triplet tower has convolutional batch norm; same-tower trains it.
  const quick = resolveConfig("quick");
  assert.equal(quick.triplet.tower.batchNorm, true);
  assert.throws(
    () => checkChunking(quick, ["same-tower"], { chunkImages: 8 }),
    (e: Error) => e instanceof UsageError && /same-tower tower/.test(e.message),
  );
});

Deno.test("a same-tower model stopped by its time net is reported against the triplet's steps", () => {
  const config = resolveConfig("standard");
  const stops = timeLimitStops(
    "same-tower",
    { steps: 3_000, maxSteps: sameTowerConfig(config).steps, stoppedBy: "time" },
    config,
  );
  assert.deepEqual(stops.map((s) => [s.model, s.step, s.of]), [["same-tower", 3_000, 5_500]]);
});

Deno.test("a same-tower model stopped by a --max-minutes slice is named as the user's bound, by its own time limit", () => {
  // 45 minutes: under the same-tower net's 60-minute safety net, over the Siamese net's 40, so
  // the slice bound the same-tower net (its limit 2,700 s) but not the Siamese net (2,400 s).
  const config = resolveConfig("standard");
  applySlice(config, { maxMinutes: 45 }, "wasm");
  assert.equal(sameTowerConfig(config).maxSeconds, 2_700);
  const [stop] = timeLimitStops(
    "same-tower",
    { steps: 4_000, maxSteps: 5_500, stoppedBy: "time" },
    config,
  );
  assert.equal(stop.bySlice, true);
  assert.match(stop.message, /by --max-minutes 45 \(a bounded slice, as asked\)/);
});

Deno.test({
  name:
    "same-tower trains the Siamese net (tower + cosine head) on the triplet tower, saves it, and reuses it",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    // Seconds, not minutes: a few steps exercise the path; no accuracy is claimed.
    applySlice(config, { maxSteps: 4 }, "wasm");
    config.triplet.validateEvery = 2;
    // The quick profile's two towers share their convolutions and width; a triplet tower of its
    // own here, so that a net built from the Siamese block's tower would fail the checks below.
    config.triplet.tower = {
      ...config.triplet.tower,
      convs: [
        { filters: 8, kernel: 3, pool: true },
        { filters: 8, kernel: 3, pool: true },
        { filters: 12, kernel: 3, pool: false },
      ],
      batchNorm: false,
    };
    config.triplet.embeddingDim = 24;
    const outDir = tempDir();
    const context = () =>
      experimentContext(config, "same-tower", { backend: tf.getBackend(), outDir, quiet: true });
    const first = await run(context());
    assert.equal(first.details.steps, 4);
    assert.equal(first.details.maxSteps, 4);
    assert.equal(first.details.reused, false);
    assert.deepEqual(
      first.oneShot.filter((r) => r.protocol !== "n-way").map((r) => [r.method, r.protocol]),
      [
        [SAME_TOWER_METHOD, "lake-runs"],
        [SAME_TOWER_METHOD, "koch-400"],
        [SAME_TOWER_METHOD, "koch-val"],
      ],
    );
    // koch-val is scored on the validation alphabets, like every other model's.
    assert.equal(
      first.oneShot.find((r) => r.protocol === "koch-val")?.dataset,
      "omniglot-validation",
    );
    assert.ok(first.oneShot.every((r) => r.experiment === "same-tower"));
    assert.deepEqual(
      first.oneShot.filter((r) => r.protocol === "n-way").map((r) => r.ways),
      config.evaluation.nWays,
    );

    // The saved net: the triplet tower's convolutions, a linear dense layer as wide as the
    // triplet embedding, batch-normalised and L2-normalised as the triplet embedding is, and the
    // cosine head (one unit on the squared differences) the BCE trained.
    const saved = await loadSiamese(sameTowerDir(outDir));
    assert.equal(saved.meta.configHash, sameTowerHash(config));
    assert.deepEqual(
      convLayers(saved.net.tower),
      [[8, 3], [8, 3], [12, 3]],
    );
    const dense = saved.net.tower.getLayer("features").getConfig() as {
      units: number;
      activation: string;
    };
    assert.equal(dense.units, 24);
    assert.equal(dense.activation, "linear");
    assert.deepEqual(
      saved.net.tower.layers.filter((l) => l.getClassName() === "BatchNormalization")
        .map((l) => l.name),
      ["embedding_bn"],
      "the triplet tower's convolutions have no batch norm; only its embedding end has",
    );
    assert.equal(saved.net.tower.layers.at(-1)?.name, "l2_normalize");
    assert.equal(headKind(saved.net.head), "cosine");
    assert.deepEqual(saved.net.head.outputs[0].shape, [null, 1]);
    assert.equal(first.details.head, "cosine");
    assert.equal(first.details.pairMining, "hardest");
    assert.equal(saved.meta.config.focus, config.siamese.focus);
    assert.equal(saved.meta.config.learningRate, config.siamese.learningRate);
    saved.net.tower.dispose();
    saved.net.head.dispose();

    const second = await run(context());
    assert.equal(second.details.reused, true);
    assert.deepEqual(second.oneShot, first.oneShot);
    await Deno.remove(outDir, { recursive: true });
  },
});
