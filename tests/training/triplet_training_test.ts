import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { TripletConfig } from "../../lib/config.ts";
import type { OmniglotSplit } from "../../lib/data/omniglot.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import {
  DEFAULT_CLASS_SCALE,
  DEFAULT_SOFTMAX_SCALE,
  describeTripletLoss,
  trainTripletEmbedding,
  tripletLoss,
} from "../../lib/training/triplet_training.ts";
import { TripletSoftmaxLoss } from "../../lib/losses/triplet_softmax.ts";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import { Rng } from "../../lib/rng.ts";
import { tempDir } from "../helpers.ts";
import { firstAlphabets } from "../../lib/data/alphabet_subset.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SIZE = 10;

/** A split of `alphabets` x `characters` x 20 drawers of SIZE x SIZE images drawn by `pixel`. */
function split(
  names: readonly string[],
  characters: number,
  pixel: (c: number, d: number, i: number) => number,
): OmniglotSplit {
  const chars = names.flatMap((alphabet, a) =>
    Array.from(
      { length: characters },
      (_, k) => ({
        index: a * characters + k,
        alphabet,
        name: `character${k + 1}`,
        id: a * characters + k + 1,
      }),
    )
  );
  const count = chars.length * 20;
  const pixels = new Float32Array(count * SIZE * SIZE);
  for (let c = 0; c < chars.length; c++) {
    for (let d = 0; d < 20; d++) {
      for (let i = 0; i < SIZE * SIZE; i++) pixels[(c * 20 + d) * SIZE * SIZE + i] = pixel(c, d, i);
    }
  }
  return {
    name: "background",
    alphabets: names.map((name, a) => ({
      name,
      characters: Array.from({ length: characters }, (_, k) => a * characters + k),
    })),
    characters: chars,
    images: { size: SIZE, count, pixels },
  };
}

function tinyConfig(overrides: Partial<TripletConfig> = {}): TripletConfig {
  return {
    ...profileConfig("quick").triplet,
    tower: {
      name: "tiny",
      inputSize: SIZE,
      convs: [{ filters: 4, kernel: 3, pool: true }],
      dense: 8,
      denseActivation: "linear",
      batchNorm: true,
      init: "he",
    },
    embeddingDim: 8,
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    distortions: false,
    steps: 40,
    validateEvery: 20,
    decayEvery: 20,
    patience: 5,
    maxSeconds: 60,
    ...overrides,
  };
}

/** Each character a different bar of `ink` (learnable, so the kinds move and nothing collapses). */
const barSplit = (ink = 1) =>
  split(
    ["A", "B", "C", "D", "E"],
    4,
    (c, d, i) => (Math.floor(i / SIZE) === c % SIZE || (i % SIZE) === (c + d % 2) % SIZE ? ink : 0),
  );

// Validation needs the 10 validation alphabets with at least 20 characters each.
const evaluation = split(
  VALIDATION_ALPHABETS,
  20,
  (c, d, i) => ((c * 7 + i + d) % 5 === 0 ? 1 : 0),
);

Deno.test("blank training images collapse the embedding: training stops early, records the collapse and keeps the best weights", async () => {
  const blank = split(["A", "B", "C", "D", "E"], 4, () => 0);
  const dir = tempDir();
  const lines: string[] = [];
  const result = await trainTripletEmbedding({
    config: tinyConfig({ collapsePatience: 25 }),
    miner: "batch-hard",
    background: blank,
    evaluation,
    rng: new Rng(1),
    checkpoint: { path: `${dir}/checkpoint.bin`, configHash: "test" },
    log: (l) => lines.push(l),
    quiet: true,
  });
  assert.equal(result.train.stoppedBy, "collapse");
  assert.equal(
    result.train.steps,
    25,
    "stopped after 25 collapsed steps, before the 40 configured",
  );
  assert.deepEqual(
    { first: result.collapse?.firstStep, persistent: result.collapse?.persistent },
    { first: 0, persistent: true },
  );
  assert.ok(
    lines.some((l) => l.includes("warning: the embedding looks collapsed at step 0")),
    lines.join("\n"),
  );
  assert.equal(
    result.train.bestStep,
    20,
    "the validation before the collapse was detected as persistent",
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("healthy training records the triplet kinds per validation window and no collapse", async () => {
  const bars = barSplit();
  const result = await trainTripletEmbedding({
    config: tinyConfig(),
    miner: "semi-hard",
    background: bars,
    evaluation,
    rng: new Rng(2),
    quiet: true,
  });
  assert.equal(result.collapse, undefined);
  assert.equal(result.train.stoppedBy, "steps");
  assert.deepEqual(result.kinds.map((k) => k.step), [20, 40]);
  for (const k of result.kinds) assert.ok(Math.abs(k.hard + k.semiHard + k.easy - 1) < 1e-9);
  assert.equal(result.train.history.length, 2);
});

Deno.test("a classification weight trains class proxies beside the triplet loss: the loss grows by the cross-entropy, labels span the turned characters", async () => {
  const bars = barSplit();
  const run = (config: TripletConfig) =>
    trainTripletEmbedding({
      config,
      miner: "batch-hard",
      background: bars,
      evaluation,
      rng: new Rng(4),
      quiet: true,
    });
  // Quarter turns label up to 4 x 20 classes: a proxy too few would throw on a turned label.
  const plain = await run(tinyConfig({ steps: 20, quarterTurns: 4 }));
  const joint = await run(tinyConfig({ steps: 20, quarterTurns: 4, classWeight: 1 }));
  // With 80 classes and scale 16 the cross-entropy starts near ln 80 = 4.4, far above a margin loss.
  const first = (r: typeof plain) => r.train.history[0].loss;
  assert.ok(first(joint) > first(plain) + 1, `loss ${first(plain)} -> ${first(joint)}`);
  await assert.rejects(
    () => run(tinyConfig({ classWeight: 1, chunkImages: 4 })),
    /classWeight cannot be combined with chunkImages/,
  );
});

/** Every weight (moving statistics too) of a tiny batch-hard net trained on bars, by name. */
async function barWeights(bars: OmniglotSplit, overrides: Partial<TripletConfig>) {
  const r = await trainTripletEmbedding({
    config: tinyConfig(overrides),
    miner: "batch-hard",
    background: bars,
    evaluation,
    rng: new Rng(5),
    quiet: true,
  });
  const weights = r.model.weights.map((w) => ({
    name: w.originalName ?? w.name,
    values: Array.from(w.read().dataSync()),
  }));
  r.model.dispose();
  return weights;
}

Deno.test("triplet.l2 pulls the kernels towards 0; the cosine schedule changes the steps taken", async () => {
  const bars = barSplit();
  const run = (overrides: Partial<TripletConfig>) =>
    barWeights(bars, { steps: 20, validateEvery: 20, ...overrides });
  const squares = (ws: { name: string; values: number[] }[], pattern: RegExp) =>
    ws.filter((w) => pattern.test(w.name)).flatMap((w) => w.values).reduce((s, v) => s + v * v, 0);
  const plain = await run({});
  const decayed = await run({ l2: 10 });
  assert.ok(
    squares(decayed, /kernel/) < 0.9 * squares(plain, /kernel/),
    `kernels ${squares(plain, /kernel/)} -> ${squares(decayed, /kernel/)}`,
  );
  const annealed = await run({ lrSchedule: "cosine" });
  assert.notDeepEqual(annealed, plain, "cosine: other rates, other weights");
});

Deno.test("a tower with dropout trains the same twice from one seed, other than without; chunked steps refuse it", async () => {
  const bars = barSplit();
  const run = (overrides: Partial<TripletConfig>) =>
    barWeights(bars, { steps: 10, validateEvery: 10, ...overrides });
  const tower = { ...tinyConfig().tower, dropout: 0.3 };
  const dropped = await run({ tower });
  assert.deepEqual(await run({ tower }), dropped, "one seed fixes the masks");
  const plain = await run({});
  assert.equal(plain.length, dropped.length, "dropout adds no weights");
  assert.notDeepEqual(plain, dropped, "the masks change the steps");
  for (const w of dropped) assert.ok(w.values.every(Number.isFinite), w.name);
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => run({ tower, chunkImages: 4 }),
    /tower.dropout cannot be combined with chunkImages/,
  );
  assert.equal(tf.memory().numTensors, before, "a refused call leaves no tensors behind");
});

Deno.test("trainingAlphabets trains on the first alphabets only: as on a split cut to them, other than on all", async () => {
  const bars = barSplit();
  const run = (split: OmniglotSplit, overrides: Partial<TripletConfig>) =>
    barWeights(split, { steps: 10, validateEvery: 10, ...overrides });
  const cut = await run(bars, { trainingAlphabets: 4 });
  assert.deepEqual(await run(firstAlphabets(bars, 4), {}), cut);
  assert.notDeepEqual(await run(bars, {}), cut, "the fifth alphabet's characters change the steps");
});

Deno.test("a triplet run leaves no tensors behind once its net is disposed, nor one that diverges", async () => {
  const poisoned = split(["A", "B", "C", "D", "E"], 4, () => NaN);
  const before = tf.memory().numTensors;
  await barWeights(barSplit(), { steps: 4, validateEvery: 2, weightAverage: 0.99 });
  assert.equal(tf.memory().numTensors, before, "a finished run, its net disposed");
  await assert.rejects(
    () => barWeights(poisoned, { steps: 4, validateEvery: 2 }),
    /training diverged at step 0/,
  );
  assert.equal(tf.memory().numTensors, before, "the net, its optimiser and averages disposed");
});

/** The mean training loss of each 2-step window of a tiny batch-hard run on faint bars. */
const barLosses = async (changes: Partial<TripletConfig>, steps: number) =>
  (await trainTripletEmbedding({
    config: tinyConfig({ steps, validateEvery: 2, ...changes }),
    miner: "batch-hard",
    background: barSplit(0.5),
    evaluation,
    rng: new Rng(5),
    quiet: true,
  })).train.history.map((h) => h.loss);

Deno.test("the settings that change a batch's images reach the triplet batches: thick strokes, elastic distortions, erasing", async () => {
  const firstLoss = async (changes: Partial<TripletConfig>) => (await barLosses(changes, 2))[0];
  const plain = await firstLoss({});
  assert.equal(await firstLoss({}), plain, "the same run, the same loss");
  for (const changes of [{ thickStrokes: 1 }, { elastic: 6 }, { erasing: 1 }]) {
    assert.notEqual(await firstLoss(changes), plain, JSON.stringify(changes));
  }
});

Deno.test("doppelgangers: other batches from the same stream, the same run twice; refused beside mirror images", async () => {
  const losses = (changes: Partial<TripletConfig>) => barLosses(changes, 4);
  const plain = await losses({});
  const paired = await losses({ doppelgangers: 2 });
  assert.notDeepEqual(paired, plain);
  assert.deepEqual(await losses({ doppelgangers: 2 }), paired, "reproducible");
  await assert.rejects(losses({ doppelgangers: 2, mirrors: true }), /mirrors/);
});

Deno.test("loss=softmax builds the N-pair loss at softmaxScale, else its default scale", () => {
  const config = profileConfig("quick").triplet;
  const unset = tripletLoss({ ...config, loss: "softmax" }, squaredL2);
  assert.ok(unset instanceof TripletSoftmaxLoss);
  assert.equal(unset.scale, DEFAULT_SOFTMAX_SCALE);
  const set = tripletLoss({ ...config, loss: "softmax", softmaxScale: 8 }, squaredL2);
  assert.equal((set as TripletSoftmaxLoss).scale, 8);
  assert.equal(tripletLoss(config, squaredL2).name, "triplet-margin");
});

Deno.test("the log names each loss with its own parameter, not the margin it does not use", () => {
  const config = { ...profileConfig("quick").triplet, margin: 0.3 };
  assert.equal(describeTripletLoss(config), "margin loss (alpha 0.3)");
  assert.equal(describeTripletLoss({ ...config, loss: "soft-margin" }), "soft-margin loss");
  assert.equal(
    describeTripletLoss({ ...config, loss: "softmax" }),
    `softmax loss (scale ${DEFAULT_SOFTMAX_SCALE})`,
  );
  assert.equal(
    describeTripletLoss({ ...config, loss: "softmax", softmaxScale: 10, classWeight: 0.5 }),
    `softmax loss (scale 10) + 0.5 x classification (scale ${DEFAULT_CLASS_SCALE})`,
  );
});

Deno.test("a triplet run that throws after its net is built leaves no tensors: bad rate, proxies' scale, doppelgangers, no validation alphabets", async () => {
  const bars = barSplit();
  const before = tf.memory().numTensors;
  const refused = async (overrides: Partial<TripletConfig>, message: RegExp, on = evaluation) => {
    await assert.rejects(
      () =>
        trainTripletEmbedding({
          config: tinyConfig({ steps: 2, validateEvery: 2, ...overrides }),
          miner: "batch-hard",
          background: bars,
          evaluation: on,
          rng: new Rng(1),
          quiet: true,
        }),
      message,
    );
    assert.equal(tf.memory().numTensors, before, JSON.stringify(overrides));
  };
  await refused({ learningRate: 0 }, /learningRate must be a positive/);
  await refused({ classWeight: 1, classScale: 0 }, /scale must be a positive number/);
  await refused({ doppelgangers: 0 }, /neighbours must be a whole number/);
  await refused({}, /is not in background/, bars);
});
