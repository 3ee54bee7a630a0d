/**
 * Euclidean distance, the distance of the batch-hard triplet loss (Hermans et al. 2017,
 * who found the non-squared distance trains more stably). Its square root has a zero
 * gradient at 0 (`safeSqrt`), so coinciding embeddings do not produce NaN.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Distance } from "./distance.ts";
import { safeSqrt } from "./distance.ts";
import { squaredL2Pairwise, squaredL2Rowwise } from "./squared_l2.ts";

/**
 * Pairwise Euclidean distances `[n, n]` of `embeddings` `[n, d]`.
 *
 * @example
 * ```ts
 * l2Pairwise(tf.tensor2d([[0, 0], [3, 4]])); // [[0, 5], [5, 0]]
 * ```
 */
export function l2Pairwise(embeddings: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => safeSqrt(squaredL2Pairwise(embeddings)));
}

/** Euclidean distance of each row of `a` to the same row of `b`, `[n]`. */
export function l2Rowwise(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => safeSqrt(squaredL2Rowwise(a, b)));
}

/** The Euclidean distance. */
export const l2: Distance = { name: "l2", pairwise: l2Pairwise, rowwise: l2Rowwise };
