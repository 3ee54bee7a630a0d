import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import {
  batchNormTraining,
  fuseBatchNormTraining,
  hasFusedBatchNorm,
} from "../../lib/models/batch_norm_training.ts";
import { relativeError, uniformValues } from "../backends/compare.ts";

/** One training pass of `layer` on `x`: output, gradients of x, gamma, beta, moving stats. */
function trainPass(layer: tfl.layers.Layer, x: tf.Tensor, weights: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    let out: Float32Array = new Float32Array();
    const f = (xs: tf.Tensor): tf.Scalar => {
      const y = layer.apply(xs, { training: true }) as tf.Tensor;
      out = y.dataSync() as Float32Array;
      // Weights every output differently, so that each gradient entry is exercised.
      return tf.sum(tf.mul(y, weights)) as tf.Scalar;
    };
    const { grads } = tf.variableGrads(() => f(x), [gamma, beta]);
    const dx = tf.grad((xs: tf.Tensor) => f(xs))(x);
    const moving = layer.getWeights().slice(2).map((w) => w.dataSync() as Float32Array);
    return [
      out,
      dx.dataSync() as Float32Array,
      grads[gamma.name].dataSync() as Float32Array,
      grads[beta.name].dataSync() as Float32Array,
      ...moving,
    ];
  });
}

function makeLayer(shape: number[], fused: boolean): tfl.layers.Layer {
  const layer = tfl.layers.batchNormalization({ momentum: 0.9 });
  layer.build(shape);
  const c = shape.at(-1)!;
  // Non-trivial gamma and beta, the same for both layers.
  layer.setWeights([
    tf.tensor1d(uniformValues(c, "gamma").map((v) => 1 + v / 2)),
    tf.tensor1d(uniformValues(c, "beta")),
    tf.zeros([c]),
    tf.ones([c]),
  ]);
  if (fused) fuseBatchNormTraining(layer);
  return layer;
}

const NAMES = ["output", "dx", "dgamma", "dbeta", "moving mean", "moving variance"];

for (const shape of [[6, 5, 5, 3], [4, 3, 3, 8], [10, 4]]) {
  Deno.test(`wasm: the fused batch norm trains like tfjs-layers' own on ${shape}`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    assert.ok(hasFusedBatchNorm(), "the wasm backend has the fused kernels");
    const n = shape.reduce((a, b) => a * b, 1);
    // Offset and scaled, so that the centring and the variance matter.
    const x = tf.tensor(uniformValues(n, "x").map((v) => 3 * v + 2), shape);
    const w = tf.tensor(uniformValues(n, "w"), shape);
    const stock = makeLayer(shape, false);
    const fused = makeLayer(shape, true);
    // Two passes: the second reads moving averages the first one wrote.
    for (let pass = 0; pass < 2; pass++) {
      const expected = trainPass(stock, x, w);
      const actual = trainPass(fused, x, w);
      actual.forEach((a, i) => {
        assert.ok(relativeError(a, expected[i]) < 2e-5, `${NAMES[i]}, pass ${pass}`);
      });
    }
    const kernels = async (l: tfl.layers.Layer) =>
      (await tf.profile(() => void trainPass(l, x, w))).kernels.map((k) => k.name);
    const fusedKernels = await kernels(fused);
    assert.ok(fusedKernels.includes("SiameseBatchNormTraining"));
    assert.ok(fusedKernels.includes("SiameseBatchNormTrainingGrad"));
    assert.ok(!fusedKernels.includes("FusedBatchNorm"), "no stock batch norm in the fused pass");
    assert.ok((await kernels(stock)).includes("FusedBatchNorm"));
    // Inference reads the moving averages through tfjs-layers' own call.
    const infer = (l: tfl.layers.Layer) =>
      (l.apply(x, { training: false }) as tf.Tensor).dataSync();
    assert.ok(relativeError(infer(fused), infer(stock)) < 2e-5);
    tf.dispose([x, w]);
  });
}

Deno.test("wasm: a fused batch-norm training pass leaves no tensor behind", async () => {
  await selectBackend("wasm", () => {}, { wasmThreads: 1 });
  const layer = makeLayer([4, 3, 3, 2], true);
  const x = tf.tensor(uniformValues(72, "x"), [4, 3, 3, 2]);
  const w = tf.tensor(uniformValues(72, "w"), [4, 3, 3, 2]);
  trainPass(layer, x, w);
  const before = tf.memory().numTensors;
  trainPass(layer, x, w);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w]);
});

Deno.test("batchNormTraining returns the batch mean and biased variance", async () => {
  await selectBackend("wasm", () => {}, { wasmThreads: 1 });
  const x = tf.tensor2d([[1, 10], [3, 10], [5, 16]]);
  const [y, mean, variance] = batchNormTraining(x, tf.ones([2]), tf.zeros([2]), 0);
  assert.deepEqual(Array.from(mean.dataSync()), [3, 12]);
  assert.deepEqual(Array.from(variance.dataSync()), [Math.fround(8 / 3), 8]);
  const ys = Array.from(y.dataSync());
  const s = Math.sqrt(3 / 2);
  [-s, -1 / Math.sqrt(2), 0, -1 / Math.sqrt(2), s, Math.sqrt(2)].forEach((v, i) =>
    assert.ok(Math.abs(ys[i] - v) < 1e-6, `y[${i}] = ${ys[i]}, expected ${v}`)
  );
  tf.dispose([x, y, mean, variance]);
});

Deno.test("cpu keeps tfjs-layers' own batch norm (no fused kernels there)", async () => {
  await selectBackend("cpu");
  assert.equal(hasFusedBatchNorm(), false);
  const shape = [4, 3, 3, 2];
  const x = tf.tensor(uniformValues(72, "x"), shape);
  const w = tf.tensor(uniformValues(72, "w"), shape);
  const a = trainPass(makeLayer(shape, true), x, w);
  const b = trainPass(makeLayer(shape, false), x, w);
  a.forEach((v, i) => assert.deepEqual(v, b[i], NAMES[i]));
  tf.dispose([x, w]);
});

Deno.test("fuseBatchNormTraining refuses a layer that is not batch norm", () => {
  assert.throws(
    () => fuseBatchNormTraining(tfl.layers.dense({ units: 2, name: "d" })),
    /d is not a BatchNormalization layer/,
  );
});
