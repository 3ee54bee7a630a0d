/**
 * The shape every triplet loss shares: embed a batch, take the distance matrix under the
 * loss's `distance`, let a miner pick triplets from its values, and reduce the picked
 * d(a,p) and d(a,n) to a scalar. Only the last step differs between losses.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's npm build registers no gradients; tfjs-layers' bundle carries and registers them.
import "@tensorflow/tfjs-layers";
import type { Distance } from "../distances/distance.ts";
import type { Miner, Triplets } from "../miners/miner.ts";

/** What one loss evaluation saw, for logs, collapse detection and the kinds plot. */
export interface TripletLossOutput {
  /** The loss, differentiable with respect to the embeddings. */
  loss: tf.Scalar;
  /** The batch's `[n, n]` distance matrix values, row-major. */
  distances: Float32Array;
  /** The triplets the miner chose. */
  triplets: Triplets;
  /** Fraction of chosen triplets with a non-zero loss (margin violated). */
  activeFraction: number;
}

/** A triplet loss over a distance. */
export interface TripletLoss {
  readonly name: string;
  readonly distance: Distance;
  /**
   * The loss when every distance is equal, d(a,p) = d(a,n): what a collapsed embedding
   * scores (the margin alpha for the margin loss, ln 2 for the soft margin).
   */
  readonly collapsedLoss: number;
  /** The loss of `triplets` given the batch's distance matrix `[n, n]` (a scalar; 0 for no triplets). */
  fromDistances(distances: tf.Tensor2D, triplets: Triplets): tf.Scalar;
  /**
   * Embeddings `[n, d]` with `labels` `[n]` -> mined loss. Reads the distance matrix once
   * (synchronously) so the miner can choose, unless `mined` brings the values and triplets
   * (read ahead of the step, where the backend cannot read inside it); call it inside
   * `tf.variableGrads` or `tf.tidy`.
   */
  compute(
    embeddings: tf.Tensor2D,
    labels: ArrayLike<number>,
    miner: Miner,
    mined?: Mined,
  ): TripletLossOutput;
}

/** A batch's distance values and the triplets mined from them, ahead of its taped step. */
export interface Mined {
  distances: Float32Array;
  triplets: Triplets;
}

/** d(a,p) and d(a,n) of each triplet, gathered from the `[n, n]` matrix, each `[t]`. */
export function tripletDistances(
  distances: tf.Tensor2D,
  triplets: Triplets,
): { ap: tf.Tensor1D; an: tf.Tensor1D } {
  const [n, m] = distances.shape;
  if (n !== m) {
    throw new RangeError(`tripletDistances: distances must be square, got [${distances.shape}]`);
  }
  const t = triplets.anchors.length;
  if (triplets.positives.length !== t || triplets.negatives.length !== t) {
    throw new RangeError("tripletDistances: anchors, positives and negatives differ in length");
  }
  for (const arr of [triplets.anchors, triplets.positives, triplets.negatives]) {
    for (const i of arr) {
      if (!(i >= 0 && i < n)) {
        throw new RangeError(`tripletDistances: index ${i} outside [0, ${n})`);
      }
    }
  }
  // One-hot selections instead of tf.gather: gather's gradient (UnsortedSegmentSum) is
  // missing on some backends (wasm), while matMul's is everywhere and cheap at n = P K.
  const anchors = new Float32Array(t * n),
    positives = new Float32Array(t * n),
    negatives = new Float32Array(t * n);
  for (let i = 0; i < t; i++) {
    anchors[i * n + triplets.anchors[i]] = 1;
    positives[i * n + triplets.positives[i]] = 1;
    negatives[i * n + triplets.negatives[i]] = 1;
  }
  return tf.tidy(() => {
    const rows = tf.matMul(tf.tensor2d(anchors, [t, n]), distances); // [t, n]: d(a_i, .)
    return {
      ap: tf.sum(tf.mul(rows, tf.tensor2d(positives, [t, n])), 1) as tf.Tensor1D,
      an: tf.sum(tf.mul(rows, tf.tensor2d(negatives, [t, n])), 1) as tf.Tensor1D,
    };
  });
}

/** Shared `compute`: distance matrix, one synchronous read (or `mined`), mining, reduction. */
export function computeMined(
  loss: Pick<TripletLoss, "distance" | "fromDistances">,
  embeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  miner: Miner,
  isActive: (ap: number, an: number) => boolean,
  mined?: Mined,
): TripletLossOutput {
  if (embeddings.rank !== 2 || embeddings.shape[0] !== labels.length) {
    throw new RangeError(
      `triplet loss: embeddings [${embeddings.shape}] do not match ${labels.length} labels`,
    );
  }
  const matrix = loss.distance.pairwise(embeddings);
  const distances = mined?.distances ?? matrix.dataSync() as Float32Array;
  const triplets = mined?.triplets ?? miner.mine({ distances, labels });
  // The matrix is on the gradient tape; the caller's tidy (or variableGrads) frees it.
  const value = loss.fromDistances(matrix, triplets);
  const n = labels.length;
  let active = 0;
  for (let i = 0; i < triplets.anchors.length; i++) {
    const a = triplets.anchors[i];
    if (
      isActive(distances[a * n + triplets.positives[i]], distances[a * n + triplets.negatives[i]])
    ) active++;
  }
  return {
    loss: value,
    distances,
    triplets,
    activeFraction: triplets.anchors.length > 0 ? active / triplets.anchors.length : 0,
  };
}
