import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { relativeError, runOn, uniformValues } from "./compare.ts";

/**
 * A loss touching every op whose gradient the project's models and losses need (tower:
 * relu, sigmoid, max-pool, batch norm; Siamese head: abs, sigmoid cross-entropy; triplet and
 * contrastive losses: squared and Euclidean distances, maximum, softplus, log1p, sqrt, rsqrt,
 * exp, mean), so a gradient kernel missing or wrong on wasm shows up here.
 */
function allOpGrads(): tf.Tensor[] {
  const a = tf.tensor2d(uniformValues(6 * 5, "ops a"), [6, 5]);
  const b = tf.tensor2d(uniformValues(6 * 5, "ops b"), [6, 5]);
  const img = tf.tensor4d(uniformValues(2 * 6 * 6 * 3, "ops img"), [2, 6, 6, 3]);
  const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => {
    const d2 = tf.sum(tf.square(tf.sub(x, y)), 1);
    const d = tf.sqrt(tf.add(d2, 1e-6));
    const hinge = tf.maximum(tf.sub(1, d), 0);
    const soft = tf.softplus(tf.sub(d, 0.5));
    const l1 = tf.sum(tf.abs(tf.sub(x, y)), 1);
    const ce = tf.losses.sigmoidCrossEntropy(tf.tensor1d([1, 0, 1, 0, 1, 0]), tf.neg(l1));
    const norm = tf.norm(x, "euclidean", 1);
    const pooled = tf.maxPool(tf.relu(z as tf.Tensor4D), 2, 2, "valid");
    const { mean, variance } = tf.moments(pooled, [0, 1, 2]);
    // Offset and scale given, as tfjs-layers does (without them tfjs has no gradient).
    const bn = tf.batchNorm(pooled, mean, variance, tf.fill([3], 0.1), tf.fill([3], 1.5), 1e-3);
    return tf.addN([
      tf.mean(hinge),
      tf.mean(soft),
      ce,
      tf.mean(tf.log1p(tf.exp(tf.neg(norm)))),
      tf.mean(tf.mul(tf.sigmoid(bn), tf.rsqrt(tf.add(tf.square(bn), 1)))),
    ]) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)([a, b, img]);
  return [value, ...grads];
}

Deno.test("gradients of every op the models and losses use match cpu on wasm", async () => {
  const expected = await runOn("cpu", allOpGrads);
  const actual = await runOn("wasm", allOpGrads);
  const names = ["loss", "d/da", "d/db", "d/dimg"];
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(actual[i], expected[i]);
    assert.ok(err < 1e-4, `${names[i]}: relative error ${err.toExponential(2)}`);
  }
});
