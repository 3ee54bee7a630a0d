/**
 * The soft-margin triplet loss (Hermans et al. 2017, section 2): softplus(d(a,p) - d(a,n)),
 * i.e. ln(1 + e^(d(a,p) - d(a,n))), averaged over all mined triplets. It has no margin to
 * tune and keeps pulling even satisfied triplets together, only ever more gently.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Distance } from "../distances/distance.ts";
import type { Miner, Triplets } from "../miners/miner.ts";
import { computeMined, type Mined, tripletDistances, type TripletLoss } from "./triplet_loss.ts";

/** Options of {@link SoftMarginLoss}. */
export interface SoftMarginOptions {
  /** Distance between embeddings. */
  distance: Distance;
}

/** The soft-margin triplet loss. */
export class SoftMarginLoss implements TripletLoss {
  readonly name = "soft-margin";
  readonly distance: Distance;
  /** softplus(0). */
  readonly collapsedLoss = Math.LN2;

  constructor(options: SoftMarginOptions) {
    this.distance = options.distance;
  }

  fromDistances(distances: tf.Tensor2D, triplets: Triplets): tf.Scalar {
    if (triplets.anchors.length === 0) {
      return tf.tidy(() => tf.mul(tf.sum(distances), 0) as tf.Scalar);
    }
    return tf.tidy(() => {
      const { ap, an } = tripletDistances(distances, triplets);
      return tf.mean(tf.softplus(tf.sub(ap, an))) as tf.Scalar;
    });
  }

  compute(embeddings: tf.Tensor2D, labels: ArrayLike<number>, miner: Miner, mined?: Mined) {
    // Every triplet has a positive soft-margin loss; "active" = still in the wrong order.
    return computeMined(this, embeddings, labels, miner, (ap, an) => ap >= an, mined);
  }
}
