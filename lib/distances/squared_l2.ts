/**
 * Squared Euclidean distance, the distance of FaceNet's triplet loss (Schroff et al. 2015,
 * eq. 1: ||f(a) - f(p)||^2 + alpha < ||f(a) - f(n)||^2). On L2-normalised embeddings it
 * lies in [0, 4].
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkEmbeddings, type Distance } from "./distance.ts";

/**
 * Pairwise squared L2 distances `[n, n]` of `embeddings` `[n, d]`, from the Gram matrix
 * (|a|^2 + |b|^2 - 2 a.b), clipped at 0 against rounding and exactly 0 on the diagonal.
 *
 * @example
 * ```ts
 * squaredL2Pairwise(tf.tensor2d([[0, 0], [3, 4]])); // [[0, 25], [25, 0]]
 * ```
 */
export function squaredL2Pairwise(embeddings: tf.Tensor2D): tf.Tensor2D {
  checkEmbeddings(embeddings, "squaredL2Pairwise");
  return tf.tidy(() => {
    const n = embeddings.shape[0];
    const gram = tf.matMul(embeddings, embeddings, false, true);
    const norms = tf.sum(tf.square(embeddings), 1);
    const d = tf.sub(tf.add(tf.reshape(norms, [n, 1]), tf.reshape(norms, [1, n])), tf.mul(gram, 2));
    const offDiagonal = tf.sub(1, tf.eye(n));
    return tf.mul(tf.relu(d), offDiagonal) as tf.Tensor2D;
  });
}

/** Squared L2 distance of each row of `a` to the same row of `b`, `[n]`. */
export function squaredL2Rowwise(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  checkEmbeddings(a, "squaredL2Rowwise");
  checkEmbeddings(b, "squaredL2Rowwise");
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new RangeError(`squaredL2Rowwise: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  return tf.tidy(() => tf.sum(tf.square(tf.sub(a, b)), 1) as tf.Tensor1D);
}

/** The squared Euclidean distance. */
export const squaredL2: Distance = {
  name: "squared-l2",
  pairwise: squaredL2Pairwise,
  rowwise: squaredL2Rowwise,
};
