import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { buildSiameseHead, buildTower, STANDARD_35 } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { liveCounts, relativeError, uniformValues } from "./compare.ts";

/** Fixed initial weights of the tiny net: conv-relu-maxpool-conv-relu-flatten-dense-sigmoid. */
const TINY = {
  x: [8, 20, 20, 1],
  conv1: [5, 5, 1, 4],
  conv2: [3, 3, 4, 6],
  dense: [4 * 4 * 6, 1],
} as const;

/** Loss after each of `steps` SGD steps, and the final weights, of the tiny net on `backend`. */
async function trainTiny(
  backend: "cpu" | "wasm",
  steps: number,
): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await selectBackend(backend);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const init = (name: keyof typeof TINY, scale: number) =>
    tf.tidy(() =>
      tf.variable(
        tf.tensor(uniformValues(size(TINY[name]), name).map((v) => v * scale), [...TINY[name]]),
      )
    );
  const w1 = init("conv1", 0.3);
  const w2 = init("conv2", 0.3);
  const wd = init("dense", 0.3);
  const b1 = tf.tidy(() => tf.variable(tf.fill([4], 0.05)));
  const bd = tf.tidy(() => tf.variable(tf.zeros([1])));
  const x = tf.tensor4d(uniformValues(size(TINY.x), "images").map(Math.abs), [...TINY.x]);
  const y = tf.tensor2d(Array.from({ length: 8 }, (_, i) => i % 2), [8, 1]);
  const optimizer = tf.train.sgd(0.5);
  const before = liveCounts();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = optimizer.minimize(() => {
      let h: tf.Tensor4D = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, "valid"), b1));
      h = tf.maxPool(h, 2, 2, "valid");
      h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 2, "same"));
      const p = tf.sigmoid(tf.add(tf.matMul(tf.reshape(h, [8, -1]), wd as tf.Tensor2D), bd));
      return tf.losses.logLoss(y, p) as tf.Scalar;
    }, true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  assert.deepEqual(liveCounts(), before, `tensors leaked by training steps on ${backend}`);
  const weights = [w1, w2, wd, b1, bd].map((v) => v.dataSync() as Float32Array);
  tf.dispose([w1, w2, wd, b1, bd, x, y]);
  optimizer.dispose();
  return { losses, weights };
}

Deno.test("a tiny conv net trains to the same loss curve on wasm as on cpu", async () => {
  const cpu = await trainTiny("cpu", 6);
  const wasm = await trainTiny("wasm", 6);
  assert.ok(cpu.losses[5] < cpu.losses[0], `cpu loss did not fall: ${cpu.losses}`);
  for (let s = 0; s < cpu.losses.length; s++) {
    const rel = Math.abs(wasm.losses[s] - cpu.losses[s]) / cpu.losses[s];
    assert.ok(rel < 1e-3, `step ${s}: wasm ${wasm.losses[s]} vs cpu ${cpu.losses[s]}`);
  }
  for (let i = 0; i < cpu.weights.length; i++) {
    const err = relativeError(wasm.weights[i], cpu.weights[i]);
    assert.ok(err < 1e-3, `weights ${i}: relative error ${err.toExponential(2)}`);
  }
});

/** Two Siamese steps of the standard profile's tower (batch norm, 3 convs) and head. */
async function trainStandard(backend: "cpu" | "wasm"): Promise<number[]> {
  await selectBackend(backend);
  const rng = new Rng(3);
  const tower = buildTower(STANDARD_35, rng.fork("tower"));
  const head = buildSiameseHead(STANDARD_35, rng.fork("head"));
  const pairs = 2;
  const s = STANDARD_35.inputSize;
  const images = tf.tensor4d(
    uniformValues(2 * pairs * s * s, "pairs").map(Math.abs),
    [2 * pairs, s, s, 1],
  );
  const labels = tf.tensor2d([1, 0], [pairs, 1]);
  const optimizer = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) {
    const loss = optimizer.minimize(() => {
      const h = tower.apply(images, { training: true }) as tf.Tensor2D;
      const [h1, h2] = tf.split(h, 2);
      const logits = head.apply(tf.abs(tf.sub(h1, h2))) as tf.Tensor2D;
      return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
    }, true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  for (const m of [tower, head] as tfl.LayersModel[]) m.dispose();
  tf.dispose([images, labels]);
  optimizer.dispose();
  return losses;
}

Deno.test("the standard profile's Siamese net (batch norm, max-pool, sigmoid) trains alike on wasm and cpu", async () => {
  const cpu = await trainStandard("cpu");
  const wasm = await trainStandard("wasm");
  for (let s = 0; s < cpu.length; s++) {
    const rel = Math.abs(wasm[s] - cpu[s]) / cpu[s];
    assert.ok(rel < 1e-3, `step ${s}: wasm ${wasm[s]} vs cpu ${cpu[s]}`);
  }
});
