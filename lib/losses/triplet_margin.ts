/**
 * The triplet margin loss of FaceNet (Schroff et al. 2015, eq. 2):
 * L = [d(a,p) - d(a,n) + alpha]_+, averaged over the triplets whose loss is non-zero
 * (as pytorch-metric-learning's AvgNonZeroReducer and Hermans et al.'s batch-all do), so
 * the many easy triplets do not dilute the gradient of the few that still teach.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Distance } from "../distances/distance.ts";
import type { Miner, Triplets } from "../miners/miner.ts";
import { computeMined, type Mined, tripletDistances, type TripletLoss } from "./triplet_loss.ts";

/** Options of {@link TripletMarginLoss}. */
export interface TripletMarginOptions {
  /** Distance between embeddings. */
  distance: Distance;
  /** Margin alpha (FaceNet uses 0.2 on squared L2 of unit vectors). */
  margin: number;
  /** `nonzero` (default): mean over triplets with positive loss; `all`: mean over all triplets. */
  reduction?: "nonzero" | "all";
}

/**
 * @example
 * ```ts
 * const loss = new TripletMarginLoss({ distance: squaredL2, margin: 0.2 });
 * const { loss: value } = loss.compute(embeddings, labels, batchHardMiner);
 * ```
 */
export class TripletMarginLoss implements TripletLoss {
  readonly name = "triplet-margin";
  readonly distance: Distance;
  readonly margin: number;
  readonly collapsedLoss: number;
  readonly reduction: "nonzero" | "all";

  constructor(options: TripletMarginOptions) {
    if (!(options.margin > 0)) {
      throw new RangeError(`TripletMarginLoss: margin must be positive, got ${options.margin}`);
    }
    this.distance = options.distance;
    this.margin = options.margin;
    this.collapsedLoss = options.margin;
    this.reduction = options.reduction ?? "nonzero";
  }

  fromDistances(distances: tf.Tensor2D, triplets: Triplets): tf.Scalar {
    if (triplets.anchors.length === 0) {
      return tf.tidy(() => tf.mul(tf.sum(distances), 0) as tf.Scalar);
    }
    return tf.tidy(() => {
      const { ap, an } = tripletDistances(distances, triplets);
      const losses = tf.relu(tf.add(tf.sub(ap, an), this.margin));
      const count = this.reduction === "all"
        ? tf.scalar(losses.shape[0])
        : tf.maximum(tf.sum(tf.step(losses)), 1);
      return tf.div(tf.sum(losses), count) as tf.Scalar;
    });
  }

  compute(embeddings: tf.Tensor2D, labels: ArrayLike<number>, miner: Miner, mined?: Mined) {
    return computeMined(
      this,
      embeddings,
      labels,
      miner,
      (ap, an) => ap - an + this.margin > 0,
      mined,
    );
  }
}
