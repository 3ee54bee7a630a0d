/**
 * Cosine distance, 1 - cos(a, b), in [0, 2]. On L2-normalised embeddings it is half the
 * squared Euclidean distance, so the two rank pairs identically; it is here for
 * embeddings that are not normalised.
 */
import * as tf from "@tensorflow/tfjs-core";
import { unitVectors as unit } from "./unit_vectors.ts";
import { checkEmbeddings, type Distance } from "./distance.ts";

/**
 * Pairwise cosine distances `[n, n]` of `embeddings` `[n, d]`, exactly 0 on the diagonal.
 *
 * @example
 * ```ts
 * cosinePairwise(tf.tensor2d([[1, 0], [0, 2]])); // [[0, 1], [1, 0]]
 * ```
 */
export function cosinePairwise(embeddings: tf.Tensor2D): tf.Tensor2D {
  checkEmbeddings(embeddings, "cosinePairwise");
  return tf.tidy(() => {
    const n = embeddings.shape[0];
    const u = unit(embeddings);
    const d = tf.sub(1, tf.matMul(u, u, false, true));
    return tf.mul(tf.relu(d), tf.sub(1, tf.eye(n))) as tf.Tensor2D;
  });
}

/** Cosine distance of each row of `a` to the same row of `b`, `[n]`. */
export function cosineRowwise(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  checkEmbeddings(a, "cosineRowwise");
  checkEmbeddings(b, "cosineRowwise");
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new RangeError(`cosineRowwise: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  return tf.tidy(() => tf.relu(tf.sub(1, tf.sum(tf.mul(unit(a), unit(b)), 1))) as tf.Tensor1D);
}

/** The cosine distance. */
export const cosine: Distance = {
  name: "cosine",
  pairwise: cosinePairwise,
  rowwise: cosineRowwise,
};
