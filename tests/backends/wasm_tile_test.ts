import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { tileWasmConfig } from "../../lib/backends/wasm_tile.ts";
import { liveCounts, runOn, uniformValues } from "./compare.ts";

const CASES: { shape: number[]; reps: number[] }[] = [
  { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] }, // batch-norm statistics over an NHWC activation
  { shape: [2, 3], reps: [1, 1] },
  { shape: [2, 3], reps: [3, 1] },
  { shape: [2, 3], reps: [1, 4] },
  { shape: [2, 3, 4], reps: [2, 3, 2] },
  { shape: [7], reps: [5] },
  { shape: [3, 1, 2], reps: [1, 5, 1] },
];

for (const { shape, reps } of CASES) {
  Deno.test(`wasm Tile of [${shape}] by [${reps}] matches cpu`, async () => {
    const f = () => {
      const n = shape.reduce((a, b) => a * b, 1);
      return [tf.tile(tf.tensor(uniformValues(n, `tile${shape}`), shape), reps)];
    };
    const [expected] = await runOn("cpu", f);
    const [actual] = await runOn("wasm", f);
    assert.deepEqual(actual, expected);
  });
}

Deno.test("wasm Tile is replaced, tiles int32 and bool too, and leaves nothing behind", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("Tile", "wasm")?.kernelFunc, tileWasmConfig.kernelFunc);
  const before = liveCounts();
  const i = tf.tidy(() => tf.tile(tf.tensor2d([1, 2], [1, 2], "int32"), [2, 2]));
  assert.deepEqual(i.arraySync(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  const b = tf.tidy(() => tf.tile(tf.tensor1d([true, false], "bool"), [2]));
  assert.deepEqual(b.arraySync(), [1, 0, 1, 0]);
  const empty = tf.tidy(() => tf.tile(tf.zeros([0, 3]), [2, 1]));
  assert.deepEqual(empty.shape, [0, 3]);
  tf.dispose([i, b, empty]);
  assert.deepEqual(liveCounts(), before);
});
