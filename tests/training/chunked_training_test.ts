import { selectBackend } from "../../lib/backends/select.ts";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig, TripletConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { trainSiamese } from "../../lib/training/siamese_training.ts";
import { Rng } from "../../lib/rng.ts";
import { ChunkingError } from "../../lib/training/gradient_cache.ts";
import { getWeights } from "../../lib/training/loop.ts";
import { trainTripletEmbedding } from "../../lib/training/triplet_training.ts";
import { fakeSplit } from "./fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SIZE = 8;
const pixel = (c: number, d: number, i: number) =>
  ((c * 7 + i * 3 + (i % SIZE) * c) % 5) / 4 + (d % 3) * 0.01;
const background = fakeSplit(["A", "B", "C", "D"], 3, SIZE, pixel);
const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, SIZE, pixel, "evaluation");
const TOWER = {
  name: "tiny",
  inputSize: SIZE,
  convs: [{ filters: 3, kernel: 3, pool: true }],
  dense: 4,
  denseActivation: "sigmoid" as const,
  init: "he" as const,
};

/** The quick profile's Siamese settings (focal weights, distortions on) on a tiny tower. */
function siameseConfig(chunkImages?: number): SiameseConfig {
  return {
    ...profileConfig("quick").siamese,
    tower: TOWER,
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    steps: 3,
    validateEvery: 3,
    patience: 100,
    maxSeconds: 1e9,
    chunkImages,
  };
}

/** Every weight of `a` within float rounding of `b`'s (but those `skip` names by index). */
function assertClose(a: Float32Array[], b: Float32Array[], skip: number[] = []) {
  assert.equal(a.length, b.length);
  a.forEach((w, k) => {
    if (skip.includes(k)) return;
    w.forEach((v, i) => {
      assert.ok(
        Math.abs(v - b[k][i]) <= 1e-4 * Math.max(1, Math.abs(v)),
        `weight ${k}[${i}]: ${v} vs ${b[k][i]}`,
      );
    });
  });
}

Deno.test("chunked Siamese training (distortions, focal weights) takes the unchunked run's steps", async () => {
  const run = async (chunk?: number) => {
    const { net, result } = await trainSiamese({
      config: siameseConfig(chunk),
      background,
      evaluation,
      rng: new Rng(1, "siamese"),
      quiet: true,
    });
    const weights = getWeights([net.tower, net.head]);
    net.tower.dispose();
    net.head.dispose();
    return { weights, loss: result.history[0].loss };
  };
  const whole = await run(), chunked = await run(3);
  assertClose(chunked.weights, whole.weights);
  assert.ok(Math.abs(chunked.loss - whole.loss) < 1e-5);
  // The weights did move (the comparison is not of two untrained nets).
  const initial = await trainSiamese({
    config: { ...siameseConfig(), steps: 1, validateEvery: 1 },
    background,
    evaluation,
    rng: new Rng(1, "siamese"),
    quiet: true,
  });
  assert.notDeepEqual(getWeights([initial.net.tower, initial.net.head]), whole.weights);
});

Deno.test("a chunked Siamese net with convolutional batch norm is refused, naming the layers", async () => {
  await assert.rejects(
    trainSiamese({
      config: { ...siameseConfig(2), tower: { ...TOWER, batchNorm: true } },
      background,
      evaluation,
      rng: new Rng(1),
      quiet: true,
    }),
    (err: Error) => err instanceof ChunkingError && /bn1/.test(err.message),
  );
});

Deno.test("chunked batch-hard training with embedding batch norm takes the unchunked run's steps", async () => {
  const config = (chunkImages?: number): TripletConfig => ({
    ...profileConfig("quick").triplet,
    tower: { ...TOWER, denseActivation: "linear" },
    embeddingDim: 4,
    embeddingBatchNorm: true,
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    steps: 1,
    validateEvery: 1,
    maxSeconds: 1e9,
    chunkImages,
  });
  let names: string[] = [];
  const run = async (chunk?: number) => {
    const r = await trainTripletEmbedding({
      config: config(chunk),
      miner: "batch-hard",
      background,
      evaluation,
      rng: new Rng(4),
      quiet: true,
    });
    const weights = getWeights([r.model]);
    names = r.model.weights.map((w) => w.originalName ?? w.name);
    r.model.dispose();
    return weights;
  };
  const chunked = await run(3), whole = await run();
  // The dense bias feeding the batch norm is cancelled by it: its gradient is 0 up to rounding
  // noise, which Adam scales to a step of up to the learning rate either way. So, nearly, is the
  // convolution's bias on these all-positive images (while its ReLUs pass, it shifts every
  // embedding alike): it differed by 7e-5 of a 1e-3 rate before the quick profile turned its
  // characters, 2e-4 after, while the kernels agree to the last bit. Everything else, the batch
  // norm's moving averages included (updated once per step), must agree.
  const skip = [/features\/bias/, /conv1\/bias/].map((re) => names.findIndex((n) => re.test(n)));
  assert.ok(skip.every((k) => k >= 0), names.join(", "));
  assertClose(chunked, whole, skip);
  // The kernels took the same step.
  const kernels = names.flatMap((n, k) => /kernel/.test(n) ? [k] : []);
  assert.equal(kernels.length, 2);
  for (const k of kernels) {
    chunked[k].forEach((v, i) => assert.ok(Math.abs(v - whole[k][i]) <= 1e-6, `${names[k]}[${i}]`));
  }
});
