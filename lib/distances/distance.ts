/**
 * What a loss, a miner and an evaluation need from a distance between embeddings. A
 * distance is an object passed in (as in pytorch-metric-learning), never a flag: the
 * triplet loss, the miners and the one-shot scorer all take one.
 */
import * as tf from "@tensorflow/tfjs-core";

/** A distance between embedding vectors; every method runs inside `tf.tidy`. */
export interface Distance {
  /** Name written in logs and details (`squared-l2`, `l2`, `cosine`). */
  readonly name: string;
  /** All pairwise distances of `embeddings` `[n, d]`: `[n, n]`, exactly 0 on the diagonal. */
  pairwise(embeddings: tf.Tensor2D): tf.Tensor2D;
  /** Distance of each row of `a` `[n, d]` to the same row of `b` `[n, d]`: `[n]`. */
  rowwise(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D;
}

/** Names of the distances this project ships. */
export const DISTANCE_NAMES = ["squared-l2", "l2", "cosine"] as const;
export type DistanceName = typeof DISTANCE_NAMES[number];

/** Smallest squared distance whose square root gets a gradient (below it: value and gradient 0). */
export const SQRT_EPSILON = 1e-12;

/**
 * `sqrt(x)` for x >= 0 whose gradient is 0 (not infinite or NaN) where x is 0: the
 * distance of a point to itself, or of two embeddings that coincide, must not poison the
 * gradient of the whole batch.
 */
export function safeSqrt<T extends tf.Tensor>(x: T): T {
  // Below epsilon the step is 0 and the maximum routes no gradient to x, so both the
  // value and the gradient are exactly 0. (A comparison op would have no gradient at all.)
  return tf.tidy(() =>
    tf.mul(tf.sqrt(tf.maximum(x, SQRT_EPSILON)), tf.step(tf.sub(x, SQRT_EPSILON))) as T
  );
}

/** Throw unless `t` is a rank-2 tensor with at least one row. */
export function checkEmbeddings(t: tf.Tensor, what: string): asserts t is tf.Tensor2D {
  if (t.rank !== 2) {
    throw new RangeError(`${what}: embeddings must be [n, d], got shape [${t.shape}]`);
  }
}
