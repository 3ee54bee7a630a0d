/**
 * The Siamese net's objective (Koch et al. section 3.1): for a pair (x1, x2) with label
 * y = 1 when they show the same character,
 *
 *   p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b),
 *   L = - y log p - (1 - y) log (1 - p),
 *
 * averaged with per-pair weights (positives and negatives count equally, see pairs.ts).
 * The tower runs once per image of the batch; every pair's difference comes from one
 * matrix product with the +1/-1 difference matrix.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** Tensors of one batch of pairs. */
export interface PairBatchTensors {
  /** `[images, s, s, 1]`. */
  images: tf.Tensor4D;
  /** `[pairs, images]`, +1 at the left image, -1 at the right one. */
  difference: tf.Tensor2D;
  /** `[pairs, 1]`, 1 = same. */
  target: tf.Tensor2D;
  /** `[pairs, 1]`, summing to 1. */
  weight: tf.Tensor2D;
}

/** The head's logits, `[pairs, 1]`, from the tower features `[images, dim]`. */
export function pairLogits(
  head: tfl.LayersModel,
  features: tf.Tensor2D,
  difference: tf.Tensor2D,
  training = false,
): tf.Tensor2D {
  return tf.tidy(() =>
    head.apply(tf.abs(tf.matMul(difference, features)), { training }) as tf.Tensor2D
  );
}

/**
 * Weighted binary cross-entropy of the pairs of a batch, in training mode (batch norm
 * uses and updates batch statistics). Computed from logits for stability:
 * max(z, 0) - z y + log(1 + exp(-|z|)).
 */
export function siameseLoss(
  tower: tfl.LayersModel,
  head: tfl.LayersModel,
  batch: PairBatchTensors,
): tf.Scalar {
  return tf.tidy(() => {
    const features = tower.apply(batch.images, { training: true }) as tf.Tensor2D;
    const z = pairLogits(head, features, batch.difference, true);
    return tf.sum(tf.mul(bceWithLogits(z, batch.target), batch.weight)) as tf.Scalar;
  });
}

/** Elementwise binary cross-entropy of logits `z` against targets `y` in {0, 1}. */
export function bceWithLogits(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))
  );
}
