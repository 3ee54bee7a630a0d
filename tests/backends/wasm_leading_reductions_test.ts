import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { meanWasmConfig, sumWasmConfig } from "../../lib/backends/wasm_leading_reductions.ts";
import { liveCounts, relativeError, runOn, uniformValues } from "./compare.ts";

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [4, 5, 6, 3], axis: [0, 1, 2], keepDims: false }, // bias gradient of a conv layer
  { shape: [4, 5, 6, 3], axis: [2, 0, 1], keepDims: true }, // batch-norm moments
  { shape: [6, 7], axis: 0, keepDims: false },
  { shape: [6, 7], axis: -1, keepDims: false }, // innermost: the stock kernel
  { shape: [3, 4, 5], axis: [0, 2], keepDims: false }, // not leading: the stock kernel
  { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false }, // everything: the stock kernel
];

for (const c of CASES) {
  Deno.test(`wasm Sum and Mean over axes [${c.axis}] of [${c.shape}] match cpu`, async () => {
    const f = () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(uniformValues(n, `r${c.shape}`), c.shape);
      return [tf.sum(x, c.axis, c.keepDims), tf.mean(x, c.axis, c.keepDims)];
    };
    const expected = await runOn("cpu", f);
    const actual = await runOn("wasm", f);
    for (let i = 0; i < 2; i++) {
      const err = relativeError(actual[i], expected[i]);
      assert.ok(err < 1e-6, `${i ? "mean" : "sum"}: relative error ${err.toExponential(2)}`);
    }
  });
}

Deno.test("wasm Sum and Mean are replaced, keep shapes, and leave nothing behind", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("Sum", "wasm")?.kernelFunc, sumWasmConfig.kernelFunc);
  assert.equal(tf.getKernel("Mean", "wasm")?.kernelFunc, meanWasmConfig.kernelFunc);
  const x = tf.ones([2, 3, 4]);
  const before = liveCounts();
  const s = tf.sum(x, [0, 1], true);
  assert.deepEqual(s.shape, [1, 1, 4]);
  assert.deepEqual([...s.dataSync()], [6, 6, 6, 6]);
  const m = tf.mean(x, 0);
  assert.deepEqual(m.shape, [3, 4]);
  const si = tf.tidy(() => tf.sum(tf.ones([3, 2], "int32"), 0));
  assert.deepEqual([...si.dataSync()], [3, 3]);
  tf.dispose([s, m, si]);
  assert.deepEqual(liveCounts(), before);
  x.dispose();
});

Deno.test("wasm leading-axis Sum adds each column row after row in float64, for any row count", async () => {
  // The four-rows-per-pass loop must give exactly the sequential float64 sum; 4k+1..4k+3
  // rows exercise the tail. A reordered or float32 sum differs in the last bits.
  for (const rows of [1, 5, 6, 7, 64 * 9]) {
    const cols = 6;
    const values = uniformValues(rows * cols, `rows${rows}`).map((v) => v * 1e3 + 0.1);
    const [actual] = await runOn("wasm", () => tf.sum(tf.tensor2d(values, [rows, cols]), 0));
    const expected = new Float32Array(cols);
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      for (let r = 0; r < rows; r++) acc += values[r * cols + c];
      expected[c] = acc;
    }
    assert.deepEqual(Array.from(actual), Array.from(expected), `${rows} rows`);
  }
});
