import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { batchMatMulWasmConfig } from "../../lib/backends/wasm_matmul.ts";
import { liveCounts, relativeError, runOn, uniformValues } from "./compare.ts";

interface Case {
  what: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const CASES: Case[] = [
  { what: "no transposes", a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  {
    what: "transposeA (dense weight gradient x^T dy)",
    a: [6, 40],
    b: [6, 33],
    transposeA: true,
    transposeB: false,
  },
  {
    what: "transposeA with a large result (swapped plan)",
    a: [37, 3],
    b: [37, 2],
    transposeA: true,
    transposeB: false,
  },
  {
    what: "transposeB (dense input gradient dy W^T)",
    a: [4, 33],
    b: [40, 33],
    transposeA: false,
    transposeB: true,
  },
  {
    what: "transposeB with a small B (direct plan)",
    a: [50, 9],
    b: [2, 9],
    transposeA: false,
    transposeB: true,
  },
  { what: "both transposed", a: [9, 4], b: [6, 9], transposeA: true, transposeB: true },
  {
    what: "both transposed with a large result",
    a: [2, 35],
    b: [41, 2],
    transposeA: true,
    transposeB: true,
  },
  { what: "a batch of matrices", a: [3, 8, 5], b: [3, 6, 8], transposeA: true, transposeB: true },
  { what: "a broadcast batch", a: [1, 5, 7], b: [4, 3, 7], transposeA: false, transposeB: true },
  { what: "a row vector", a: [1, 70], b: [70, 1], transposeA: true, transposeB: true },
];

function product(c: Case): () => tf.Tensor[] {
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  return () => {
    const a = tf.tensor(uniformValues(size(c.a), `a${c.what}`), c.a);
    const b = tf.tensor(uniformValues(size(c.b), `b${c.what}`), c.b);
    return [tf.matMul(a, b, c.transposeA, c.transposeB)];
  };
}

for (const c of CASES) {
  Deno.test(`wasm BatchMatMul matches cpu for ${c.what}`, async () => {
    const [expected] = await runOn("cpu", product(c));
    const [actual] = await runOn("wasm", product(c));
    const err = relativeError(actual, expected);
    assert.ok(err < 1e-5, `relative error ${err.toExponential(2)}`);
  });
}

function denseGrads(): tf.Tensor[] {
  const x = tf.tensor2d(uniformValues(6 * 30, "dense x"), [6, 30]);
  const w = tf.tensor2d(uniformValues(30 * 20, "dense w"), [30, 20]);
  const bias = tf.tensor1d(uniformValues(20, "dense b"));
  const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.sigmoid(tf.add(tf.matMul(xx, ww), bb)));
  return tf.grads(f)([x, w, bias]);
}

Deno.test("gradients of a dense sigmoid layer on wasm match cpu", async () => {
  const expected = await runOn("cpu", denseGrads);
  const actual = await runOn("wasm", denseGrads);
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(actual[i], expected[i]);
    assert.ok(err < 1e-5, `gradient ${i}: relative error ${err.toExponential(2)}`);
  }
});

Deno.test("wasm BatchMatMul is replaced and leaves no tensors or wasm buffers behind", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc, batchMatMulWasmConfig.kernelFunc);
  const a = tf.ones([3, 4, 5]);
  const aT = tf.ones([3, 5, 4]);
  const b = tf.ones([3, 5, 6]);
  const bT = tf.ones([3, 6, 5]);
  const before = liveCounts();
  for (const [ta, tb] of [[false, true], [true, false], [true, true]]) {
    const c = tf.matMul(ta ? aT : a, tb ? bT : b, ta, tb);
    assert.deepEqual(c.shape, [3, 4, 6]);
    assert.deepEqual([...c.dataSync()].slice(0, 2), [5, 5]);
    c.dispose();
  }
  assert.deepEqual(liveCounts(), before);
  tf.dispose([a, aT, b, bT]);
});
