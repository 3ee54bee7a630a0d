/**
 * Vectors scaled to unit Euclidean length: the L2 normalisation of the triplet embedding
 * (lib/models/embedding.ts), the normalised-softmax proxies and the cosine distance.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Squared norm below which a vector is left unscaled (its normalised value is ~0, not NaN). */
const NORM_EPSILON_SQUARED = 1e-12;

/** x / ||x||_2 along `axis` (vectors of norm ~0 stay ~0 rather than NaN). */
export function unitVectors<T extends tf.Tensor>(x: T, axis = -1): T {
  return tf.tidy(() => {
    const squared = tf.sum(tf.square(x), axis, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squared, NORM_EPSILON_SQUARED)));
  });
}
