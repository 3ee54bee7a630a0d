import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { maxPoolGradWasmConfig } from "../../lib/backends/wasm_max_pool_grad.ts";
import { liveCounts, relativeError, runOn, uniformValues } from "./compare.ts";

const CASES: {
  what: string;
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same";
  relu: boolean;
}[] = [
  {
    what: "2x2 windows, stride 2, odd input (the towers' pools)",
    x: [2, 9, 9, 3],
    size: 2,
    strides: 2,
    pad: "valid",
    relu: false,
  },
  {
    what: "2x2 windows after a ReLU (ties of zeros)",
    x: [2, 8, 8, 4],
    size: 2,
    strides: 2,
    pad: "valid",
    relu: true,
  },
  {
    what: "overlapping 3x3 windows, stride 2, same padding",
    x: [2, 7, 9, 2],
    size: 3,
    strides: 2,
    pad: "same",
    relu: false,
  },
  {
    what: "3x2 windows, strides 1x2",
    x: [1, 6, 7, 5],
    size: [3, 2],
    strides: [1, 2],
    pad: "valid",
    relu: true,
  },
];

for (const c of CASES) {
  Deno.test(`wasm MaxPoolGrad matches cpu for ${c.what}`, async () => {
    const f = () => {
      const n = c.x.reduce((a, b) => a * b, 1);
      const x = tf.tensor4d(uniformValues(n, `p${c.what}`), c.x);
      const pooled = (t: tf.Tensor) => {
        const a = (c.relu ? tf.relu(t) : t) as tf.Tensor4D;
        return tf.maxPool(a, c.size, c.strides, c.pad);
      };
      const r = tf.tensor(uniformValues(pooled(x).size, `r${c.what}`), pooled(x).shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pooled(t), r)))(x)];
    };
    const [expected] = await runOn("cpu", f);
    const [actual] = await runOn("wasm", f);
    const err = relativeError(actual, expected);
    assert.ok(err < 1e-6, `relative error ${err.toExponential(2)}`);
  });
}

Deno.test("wasm MaxPoolGrad is replaced and leaves nothing behind", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("MaxPoolGrad", "wasm")?.kernelFunc, maxPoolGradWasmConfig.kernelFunc);
  const x = tf.randomNormal([2, 6, 6, 3]);
  const before = liveCounts();
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(x);
  assert.equal(tf.tidy(() => tf.sum(g).dataSync()[0]), 2 * 3 * 3 * 3);
  tf.dispose(g);
  assert.deepEqual(liveCounts(), before);
  x.dispose();
});

Deno.test("wasm MaxPoolGrad of the towers' 2x2 pools equals cpu bit for bit, ties included", async () => {
  // The fast path writes each window's gradient at its first maximum; with ReLU's zeros
  // (ties everywhere) and an odd side a wrong tie rule or a missed row shows as a difference.
  const shape: [number, number, number, number] = [3, 13, 11, 5];
  const f = () => {
    // Freed memory full of non-zeros, which the gradient's output may reuse: the rows and
    // columns no window reaches must still come out zero.
    tf.dispose(tf.sqrt(tf.add(tf.range(0, 1e5), 1)));
    const x = tf.tensor4d(uniformValues(3 * 13 * 11 * 5, "towers"), shape);
    const pooled = (t: tf.Tensor) => tf.maxPool(tf.relu(t) as tf.Tensor4D, 2, 2, "valid");
    const r = tf.tensor(uniformValues(pooled(x).size, "towers-r"), pooled(x).shape);
    return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pooled(t), r)))(x)];
  };
  const [expected] = await runOn("cpu", f);
  const [actual] = await runOn("wasm", f);
  assert.deepEqual(Array.from(actual), Array.from(expected));
});
