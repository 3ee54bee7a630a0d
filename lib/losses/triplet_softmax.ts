/**
 * The multi-class N-pair loss (Sohn 2016) over mined triplets: the miner's triplets are grouped
 * by anchor and positive, and each group's loss is the cross-entropy of picking the positive
 * among it and the group's negatives, with logits -s d:
 *
 *   L(a,p) = ln(1 + sum_n e^(s (d(a,p) - d(a,n)))),
 *
 * averaged over the groups. With the batch-all miner a group holds every negative of the batch,
 * so each anchor learns to find its positive among all of them, as a one-shot trial asks (the
 * episodic softmax of prototypical networks with one drawing per prototype); with one negative a
 * group (batch-hard, semi-hard) it is the soft-margin loss softplus(s (d(a,p) - d(a,n))).
 *
 * Reported less ln(1 + m) - ln 2 per group of m negatives, a constant that leaves the gradient
 * alone, so that a collapsed embedding (every distance equal) reads ln 2 whatever the group
 * size, as the soft-margin loss does; the collapse watch (collapse.ts) needs one such value.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Distance } from "../distances/distance.ts";
import type { Miner, Triplets } from "../miners/miner.ts";
import { computeMined, type Mined, tripletDistances, type TripletLoss } from "./triplet_loss.ts";

/** Options of {@link TripletSoftmaxLoss}. */
export interface TripletSoftmaxOptions {
  /** Distance between embeddings. */
  distance: Distance;
  /** Scale s of the logits -s d (an inverse temperature). */
  scale: number;
}

/** The N-pair softmax loss over a miner's triplets. */
export class TripletSoftmaxLoss implements TripletLoss {
  readonly name = "softmax";
  readonly distance: Distance;
  readonly scale: number;
  /** Every group's loss when all distances are equal (see the module note). */
  readonly collapsedLoss = Math.LN2;

  constructor(options: TripletSoftmaxOptions) {
    if (!(Number.isFinite(options.scale) && options.scale > 0)) {
      throw new RangeError(
        `TripletSoftmaxLoss: scale must be a positive number, got ${options.scale}`,
      );
    }
    this.distance = options.distance;
    this.scale = options.scale;
  }

  fromDistances(distances: tf.Tensor2D, triplets: Triplets): tf.Scalar {
    const t = triplets.anchors.length;
    if (t === 0) return tf.tidy(() => tf.mul(tf.sum(distances), 0) as tf.Scalar);
    // Each triplet's group: its (anchor, positive) pair, numbered in order of appearance.
    const n = distances.shape[0];
    const groupOf = new Map<number, number>();
    const groups = new Int32Array(t);
    const sizes: number[] = [];
    for (let i = 0; i < t; i++) {
      const key = triplets.anchors[i] * n + triplets.positives[i];
      let g = groupOf.get(key);
      if (g === undefined) {
        g = sizes.length;
        groupOf.set(key, g);
        sizes.push(0);
      }
      groups[i] = g;
      sizes[g]++;
    }
    const offset = sizes.reduce((sum, m) => sum + Math.log1p(m) - Math.LN2, 0) / sizes.length;
    return tf.tidy(() => {
      const { ap, an } = tripletDistances(distances, triplets);
      const terms = tf.exp(tf.mul(tf.sub(ap, an), this.scale));
      const sums = tf.unsortedSegmentSum(terms, tf.tensor1d(groups, "int32"), sizes.length);
      return tf.sub(tf.mean(tf.log1p(sums)), offset) as tf.Scalar;
    });
  }

  compute(embeddings: tf.Tensor2D, labels: ArrayLike<number>, miner: Miner, mined?: Mined) {
    // "Active": a negative still nearer the anchor than its positive.
    return computeMined(this, embeddings, labels, miner, (ap, an) => ap >= an, mined);
  }
}
