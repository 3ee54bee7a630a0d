import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { runOn, uniformValues } from "./compare.ts";

// The replaced gradients must give tfjs's own numbers bit for bit: dy spread over the reduced
// axes (then divided by their size for Mean) is what dy * ones(x.shape) (/ size) gives.
function reference(kind: "sum" | "mean", x: tf.Tensor, dy: tf.Tensor, axis: number[]) {
  const kept = x.shape.slice();
  for (const a of axis) kept[a] = 1;
  const spread = tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
  const size = axis.reduce((n, a) => n * x.shape[a], 1);
  return kind === "sum" ? spread : tf.div(spread, size);
}

for (const backend of ["cpu", "wasm"] as const) {
  for (const kind of ["sum", "mean"] as const) {
    for (const axis of [[0, 1, 2], [1], [0, 3]]) {
      Deno.test(`${backend}: the ${kind} gradient over axes [${axis}] equals tfjs's, bit for bit`, async () => {
        const shape = [3, 5, 4, 6];
        const f = () => {
          const x = tf.tensor4d(uniformValues(360, "x"), shape as [number, number, number, number]);
          const y = kind === "sum" ? tf.sum(x, axis) : tf.mean(x, axis);
          const dy = tf.tensor(uniformValues(y.size, "dy"), y.shape);
          const g = tf.grad((t: tf.Tensor) =>
            tf.sum(tf.mul(kind === "sum" ? tf.sum(t, axis) : tf.mean(t, axis), dy))
          )(x);
          return [g, reference(kind, x, dy, axis)];
        };
        const [actual, expected] = await runOn(backend, f);
        assert.deepEqual(Array.from(actual), Array.from(expected));
      });
    }
  }
}

Deno.test("the mean gradient broadcasts dy (Tile) instead of multiplying by a ones tensor", async () => {
  await selectBackend("wasm");
  const x = tf.randomNormal([4, 3, 3, 2]);
  const info = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.mean(t, [0, 1, 2]))(x));
  const names = info.kernels.map((k) => k.name);
  assert.ok(names.includes("Tile"), names.join(", "));
  assert.ok(!names.includes("Multiply"), names.join(", "));
  tf.dispose(x);
});
