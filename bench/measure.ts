/**
 * Timing the bench's nets on the active backend: a training step (forward, backward, SGD update)
 * or an embedding call, one warm-up then the timed ones, on seeded random images.
 *
 * - `train`: one step = forward of both images of `batch` pairs through the shared tower,
 *   |h1 - h2|, the weighted-L1 head, sigmoid cross-entropy, backward and an SGD update; the
 *   triplet net: P x K images, the batch-hard margin loss as tensor ops.
 * - `embed`: the tower's forward pass alone (inference mode) on `batch` images, which is
 *   what one-shot evaluation spends its time on.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { buildSiameseHead, buildTower } from "../lib/models/koch.ts";
import { buildEmbeddingNet } from "../lib/models/embedding.ts";
import { squaredL2Pairwise } from "../lib/distances/squared_l2.ts";
import { Rng } from "../lib/rng.ts";
import type { BenchModel } from "./models.ts";

/**
 * Sets `share` of the entries of each variable (chosen with `rng`) to +-1e-40, a subnormal
 * float32; returns how many it set.
 */
export function seedSubnormals(variables: readonly tf.Variable[], share: number, rng: Rng): number {
  let count = 0;
  for (const v of variables) {
    const values = (v.dataSync() as Float32Array).slice();
    const n = Math.round(share * values.length);
    for (const i of rng.shuffle(Array.from(values.keys())).slice(0, n)) {
      values[i] = i % 2 === 0 ? 1e-40 : -1e-40;
    }
    v.assign(tf.tensor(values, v.shape));
    count += n;
  }
  return count;
}

/** Times `warmup + steps` calls of `step`; returns the timed durations in ms. */
async function timeSteps(
  step: () => Promise<void>,
  steps: number,
  warmup: number,
): Promise<number[]> {
  // Warm-up: XNNPACK operator creation, kernel setup, wasm memory growth.
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Called with a model's (warmed-up) training step after its timed steps (`--kernels`). */
export type AfterTiming = (step: () => Promise<void>) => Promise<void>;

/** The timed training steps of `model` (ms each), seeded by `seed`. */
export async function measureTrain(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
  after?: AfterTiming,
): Promise<number[]> {
  if (model.kind === "triplet") return measureTripletTrain(model, steps, warmup, seed, after);
  const rng = new Rng(seed, "bench");
  const tower = buildTower(model.spec, rng.fork("tower"));
  const head = buildSiameseHead(model.spec, rng.fork("head"));
  const s = model.spec.inputSize;
  const pairs = model.trainPairs;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: 2 * pairs * s * s }, () => data.next()),
    [2 * pairs, s, s, 1],
  );
  const labels = tf.tensor2d(Array.from({ length: pairs }, (_, i) => i % 2), [pairs, 1]);
  const optimizer = tf.train.sgd(0.01);
  try {
    const step = minimizeStep(optimizer, () => {
      // Both images of every pair go through the shared tower in one batch.
      const h = tower.apply(images, { training: true }) as tf.Tensor2D;
      const [h1, h2] = tf.split(h, 2);
      const logits = head.apply(tf.abs(tf.sub(h1, h2))) as tf.Tensor2D;
      return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
    });
    const times = await timeSteps(step, steps, warmup);
    await after?.(step);
    return times;
  } finally {
    optimizer.dispose();
    for (const m of [tower, head] as tfl.LayersModel[]) m.dispose();
    tf.dispose([images, labels]);
  }
}

/** One optimizer step on `loss`, as a timed step: a non-finite loss is an error. */
// The loss is read asynchronously: webgpu cannot read synchronously in Deno (host_reads.ts).
function minimizeStep(optimizer: tf.Optimizer, loss: () => tf.Scalar): () => Promise<void> {
  return async () => {
    const value = optimizer.minimize(loss, true)!;
    const v = (await value.data())[0];
    value.dispose();
    if (!Number.isFinite(v)) throw new Error(`training loss is ${v}`);
  };
}

/**
 * One step of the triplet net: P x K images through the embedding net, the batch-hard margin
 * loss (hardest positive and hardest negative per anchor, Hermans et al.) written as tensor
 * ops on squared L2 distances, backward and an SGD update. The project's trainer mines on the
 * host instead; the bench keeps the loss in the graph so PyTorch runs the same computation.
 */
async function measureTripletTrain(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
  after?: AfterTiming,
): Promise<number[]> {
  const rng = new Rng(seed, "bench");
  const net = buildEmbeddingNet(model.spec, {
    dimension: model.spec.dense,
    rng: rng.fork("tower"),
    batchNorm: model.embeddingBatchNorm,
  });
  const s = model.spec.inputSize;
  const n = model.trainPairs;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: n * s * s }, () => data.next()),
    [n, s, s, 1],
  );
  const classes = tf.tensor1d(Array.from({ length: n }, (_, i) => Math.floor(i / model.drawings!)));
  const same = tf.cast(tf.equal(tf.expandDims(classes, 1), tf.expandDims(classes, 0)), "float32");
  seedModelSubnormals(net, model, rng);
  // A zero rate keeps the subnormals where they are (the update's kernels run all the same).
  const optimizer = tf.train.sgd(model.subnormalShare ? 0 : 0.01);
  try {
    const step = minimizeStep(optimizer, () => {
      const d = squaredL2Pairwise(net.apply(images, { training: true }) as tf.Tensor2D);
      const hardestPositive = tf.max(tf.mul(d, same), 1);
      const hardestNegative = tf.min(tf.add(d, tf.mul(same, 1e9)), 1);
      return tf.mean(tf.relu(tf.add(tf.sub(hardestPositive, hardestNegative), model.margin!)));
    });
    const times = await timeSteps(step, steps, warmup);
    await after?.(step);
    return times;
  } finally {
    optimizer.dispose();
    net.dispose();
    tf.dispose([images, classes, same]);
  }
}

/** The model's share of subnormals (`subnormalShare`, if any) in every kernel of `net`. */
function seedModelSubnormals(net: tfl.LayersModel, model: BenchModel, rng: Rng): void {
  if (!model.subnormalShare) return;
  const kernels = net.weights.filter((w) => /kernel/.test(w.originalName ?? w.name));
  seedSubnormals(
    kernels.map((w) => w.read() as tf.Variable),
    model.subnormalShare,
    rng.fork("sub"),
  );
}

/** The timed embedding calls of `model` (ms each), seeded by `seed`. */
export async function measureEmbed(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
): Promise<number[]> {
  const rng = new Rng(seed, "bench");
  const tower = model.kind === "triplet"
    ? buildEmbeddingNet(model.spec, {
      dimension: model.spec.dense,
      rng: rng.fork("tower"),
      batchNorm: model.embeddingBatchNorm,
    })
    : buildTower(model.spec, rng.fork("tower"));
  seedModelSubnormals(tower, model, rng);
  const s = model.spec.inputSize;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: model.embedImages * s * s }, () => data.next()),
    [model.embedImages, s, s, 1],
  );
  try {
    return await timeSteps(
      async () => {
        const h = tower.predict(images) as tf.Tensor;
        await h.data();
        h.dispose();
      },
      steps,
      warmup,
    );
  } finally {
    tower.dispose();
    images.dispose();
  }
}
