import { selectBackend } from "../../lib/backends/select.ts";
import "@tensorflow/tfjs-layers"; // registers the gradients
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { squaredL2, squaredL2Pairwise, squaredL2Rowwise } from "../../lib/distances/squared_l2.ts";
import { l2, l2Pairwise, l2Rowwise } from "../../lib/distances/l2.ts";
import { cosinePairwise, cosineRowwise } from "../../lib/distances/cosine.ts";
import { distanceByName } from "../../lib/distances/by_name.ts";
import { unitVectors } from "../../lib/distances/unit_vectors.ts";
import { POINTS, SQUARED } from "./fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

function close(actual: number[][] | number[], expected: number[][] | number[], tol = 1e-5): void {
  const a = actual.flat(), e = expected.flat();
  assert.equal(a.length, e.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol, `entry ${i}: ${v} vs ${e[i]}`));
}

Deno.test("squared L2 pairwise distances of the four hand points are 1, 4, 9, 5, 4, 13", () => {
  const d = tf.tidy(() => squaredL2Pairwise(tf.tensor2d(POINTS)).arraySync());
  close(d, SQUARED);
});

Deno.test("L2 pairwise distances are the square roots, with an exact zero diagonal", () => {
  const d = tf.tidy(() => l2Pairwise(tf.tensor2d(POINTS)).arraySync());
  close(d, SQUARED.map((row) => row.map(Math.sqrt)));
  for (let i = 0; i < 4; i++) assert.equal(d[i][i], 0);
});

Deno.test("rowwise distances match the pairwise ones row by row", () => {
  const [sq, eu] = tf.tidy(() => {
    const a = tf.tensor2d([[0, 0], [0, 1]]);
    const b = tf.tensor2d([[0, 3], [2, 0]]);
    return [squaredL2Rowwise(a, b).arraySync(), l2Rowwise(a, b).arraySync()];
  });
  close(sq, [9, 5]);
  close(eu, [3, Math.sqrt(5)]);
});

Deno.test("unitVectors scales rows (or columns) to length 1 and leaves zero vectors at zero", () => {
  const [rows, columns] = tf.tidy(() => {
    const x = tf.tensor2d([[3, 4], [0, 0], [0, -2]]);
    return [unitVectors(x).arraySync(), unitVectors(x, 0).arraySync()];
  });
  close(rows, [[0.6, 0.8], [0, 0], [0, -1]]);
  close(columns, [[1, 4 / Math.sqrt(20)], [0, 0], [0, -2 / Math.sqrt(20)]]);
  // Tiny but not zero vectors are still scaled, not flushed (squared norm above 1e-12).
  close(tf.tidy(() => unitVectors(tf.tensor2d([[3e-5, 4e-5]])).arraySync()), [[0.6, 0.8]]);
});

Deno.test("cosine distance is 1 - cos: 0 for the same direction, 1 for orthogonal, 2 for opposite", () => {
  const d = tf.tidy(() =>
    cosinePairwise(tf.tensor2d([[1, 0], [0, 2], [-3, 0], [2, 0]])).arraySync()
  );
  close(d, [[0, 1, 2, 0], [1, 0, 1, 1], [2, 1, 0, 2], [0, 1, 2, 0]]);
  const r = tf.tidy(() =>
    cosineRowwise(tf.tensor2d([[1, 1], [0, 0]]), tf.tensor2d([[2, 2], [1, 0]])).arraySync()
  );
  close(r, [0, 1]);
});

Deno.test("the L2 gradient at coinciding points is finite (zero), not NaN", () => {
  const x = tf.tensor2d([[1, 1], [1, 1], [0, 1]]);
  const g = tf.grad((e: tf.Tensor) => tf.sum(l2Pairwise(e as tf.Tensor2D)))(x);
  const values = g.arraySync() as number[][];
  for (const v of values.flat()) assert.ok(Number.isFinite(v), `gradient ${v}`);
  const gr = tf.grad((e: tf.Tensor) =>
    tf.sum(l2Rowwise(e as tf.Tensor2D, tf.tensor2d([[1, 1], [1, 1], [0, 1]])))
  )(x);
  assert.deepEqual(gr.arraySync(), [[0, 0], [0, 0], [0, 0]]);
  tf.dispose([x, g, gr]);
});

Deno.test("the L2 gradient away from zero is the unit difference vector", () => {
  // d(a, b) = |a - b|; d/da = (a - b) / |a - b| = (-3, -4) / 5 for a = (0,0), b = (3,4).
  const g = tf.grad((a: tf.Tensor) => tf.sum(l2Rowwise(a as tf.Tensor2D, tf.tensor2d([[3, 4]]))))(
    tf.tensor2d([[0, 0]]),
  );
  close(g.arraySync() as number[][], [[-0.6, -0.8]]);
});

Deno.test("distance functions leak no tensors", () => {
  const x = tf.tensor2d(POINTS);
  const before = tf.memory().numTensors;
  for (const d of [squaredL2, l2, distanceByName("cosine")]) {
    d.pairwise(x).dispose();
    d.rowwise(x, x).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

Deno.test("distances reject embeddings that are not [n, d] and unknown names", () => {
  assert.throws(() => squaredL2Pairwise(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D), /\[n, d\]/);
  assert.throws(
    () => squaredL2Rowwise(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2], [3, 4]])),
    /differ/,
  );
  assert.throws(() => distanceByName("manhattan"), /unknown distance "manhattan"/);
});
