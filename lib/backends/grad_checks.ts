/**
 * Gradient computations that exercise every op the project's towers and losses
 * differentiate, for comparing a backend with `cpu`: the wasm and WebGPU tests and
 * `deno task gpu-check` run them on the backend under test and on cpu.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../rng.ts";

/** `n` values uniform in [-1, 1), the same for a given `name` (as tests/backends/compare.ts). */
function uniformValues(n: number, name: string): Float32Array {
  const rng = new Rng(7, name);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/**
 * A loss touching every op whose gradient the project's models and losses need (tower:
 * relu, sigmoid, max-pool, batch norm; Siamese head: abs, sigmoid cross-entropy; triplet and
 * contrastive losses: squared and Euclidean distances, maximum, softplus, log1p, sqrt, rsqrt,
 * exp, mean), so a gradient kernel missing or wrong on wasm shows up here
 * (wasm_op_gradients_test.ts, webgpu_test.ts).
 */
export function allOpGrads(): tf.Tensor[] {
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

/**
 * Gradients through the layers of a tower as tfjs-layers composes them: a valid convolution
 * with bias, ReLU, 2x2 max-pool, a strided same-padded convolution, flatten and a dense layer
 * with a sigmoid; the loss weighs the outputs so every gradient element differs.
 */
export function towerOpGrads(): tf.Tensor[] {
  const x = tf.tensor4d(uniformValues(3 * 9 * 9 * 2, "tower x"), [3, 9, 9, 2]);
  const w1 = tf.tensor4d(uniformValues(3 * 3 * 2 * 4, "tower w1"), [3, 3, 2, 4]);
  const b1 = tf.tensor1d(uniformValues(4, "tower b1"));
  const w2 = tf.tensor4d(uniformValues(2 * 2 * 4 * 5, "tower w2"), [2, 2, 4, 5]);
  const wd = tf.tensor2d(uniformValues(2 * 2 * 5 * 3, "tower wd"), [2 * 2 * 5, 3]);
  const weights = tf.tensor2d(uniformValues(3 * 3, "tower loss weights"), [3, 3]);
  const f = (...v: tf.Tensor[]) => {
    const [xi, k1, c1, k2, d] = v;
    let h = tf.relu(tf.add(tf.conv2d(xi as tf.Tensor4D, k1 as tf.Tensor4D, 1, "valid"), c1));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, "valid");
    h = tf.relu(tf.conv2d(h as tf.Tensor4D, k2 as tf.Tensor4D, 2, "same"));
    const out = tf.sigmoid(tf.matMul(tf.reshape(h, [3, -1]), d as tf.Tensor2D));
    return tf.sum(tf.mul(out, weights)) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)([x, w1, b1, w2, wd]);
  return [value, ...grads];
}

/** The checks by name, each returning `[value, ...gradients]`. */
export const GRAD_CHECKS: Record<string, () => tf.Tensor[]> = {
  tower: towerOpGrads,
  losses: allOpGrads,
};
