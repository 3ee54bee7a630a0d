import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { liveCounts, relativeError, runOn, uniformValues } from "./compare.ts";

function gatherGrads(): tf.Tensor[] {
  const table = tf.tensor2d(uniformValues(7 * 4, "table"), [7, 4]);
  const picks = tf.tensor1d([3, 0, 3, 6, 1, 3], "int32");
  const r = tf.tensor2d(uniformValues(6 * 4, "weights"), [6, 4]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, picks), r)))(table);
  const direct = tf.unsortedSegmentSum(
    tf.tensor3d(uniformValues(5 * 2 * 3, "seg x"), [5, 2, 3]),
    tf.tensor1d([1, -1, 1, 0, 4], "int32"),
    3,
  );
  return [g, direct];
}

Deno.test("wasm UnsortedSegmentSum (the gradient of gather) matches cpu and drops ids out of range", async () => {
  const expected = await runOn("cpu", gatherGrads);
  const actual = await runOn("wasm", gatherGrads);
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(actual[i], expected[i]);
    assert.ok(err < 1e-6, `result ${i}: relative error ${err.toExponential(2)}`);
  }
});

Deno.test("wasm UnsortedSegmentSum sums int32 rows and leaves nothing behind", async () => {
  await selectBackend("wasm");
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
  const ids = tf.tensor1d([1, 1, 0], "int32");
  const before = liveCounts();
  const s = tf.unsortedSegmentSum(x, ids, 2);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(s.arraySync(), [[5, 6], [4, 6]]);
  s.dispose();
  assert.deepEqual(liveCounts(), before);
  tf.dispose([x, ids]);
});
