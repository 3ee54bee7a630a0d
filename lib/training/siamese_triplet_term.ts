/**
 * A batch-hard triplet term beside the Siamese cross-entropy, on the same tower's features
 * (a study setting, `siamese.tripletWeight`; not in the paper):
 *
 *   L = BCE(pairs of the P x K batch) + w * batch-hard margin loss(features, labels)
 *
 * The cross-entropy fits the head's verdict on each pair; the triplet term asks, as the
 * triplet nets do, that each image's farthest drawing of its character be nearer than its
 * nearest other character, in the features the head compares. The features must be unit
 * vectors (the cosine head, or `normalizedFeatures`) so that the margin means what it does in
 * the triplet nets.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { SiameseConfig } from "../config.ts";
import { squaredL2 } from "../distances/squared_l2.ts";
import { TripletMarginLoss } from "../losses/triplet_margin.ts";
import { batchHardMiner } from "../miners/batch_hard.ts";
import type { Miner } from "../miners/miner.ts";
import {
  type PairBatchTensors,
  siameseLossOfFeatures,
  type SiameseLossOptions,
} from "./siamese_loss.ts";

/**
 * The term's margin on squared distances of unit vectors: the triplet block's (0.2, chosen on
 * validation there: 0.1 80.75%, 0.2 82.15, 0.3 81.05 koch-val).
 */
export const TRIPLET_TERM_MARGIN = 0.2;

/** The term and its weight; `null` where `weight` is unset or 0. */
export interface TripletTerm {
  weight: number;
  loss: TripletMarginLoss;
  miner: Miner;
}

/** The term `weight` asks for, or `null` for none; refuses a weight no training can use. */
export function tripletTerm(weight: number | undefined): TripletTerm | null {
  const w = weight ?? 0;
  if (!(Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`tripletWeight must be a number >= 0, got ${weight}`);
  }
  if (w === 0) return null;
  return {
    weight: w,
    loss: new TripletMarginLoss({ distance: squaredL2, margin: TRIPLET_TERM_MARGIN }),
    miner: batchHardMiner,
  };
}

/**
 * Why `config` cannot train with its triplet term, or `null` when it can (or has none): the
 * term mines P x K batches' characters in unit features. Checked by trainSiamese, and by `tune`
 * at parsing so that a study refused here exits 2 before any data loads.
 */
export function tripletTermProblem(
  config: Pick<SiameseConfig, "tripletWeight" | "normalizedFeatures" | "head">,
  pool = false,
): string | null {
  if (!config.tripletWeight) return null;
  if (pool) {
    return "tripletWeight needs P x K batches: a fixed pool of pairs (Table 1) has no characters to mine";
  }
  if (!(config.normalizedFeatures || config.head === "cosine")) {
    return "tripletWeight needs unit features: set head=cosine or normalizedFeatures=true";
  }
  return null;
}

/**
 * {@link siameseLossOfFeatures} plus `term` on the same features `[images, dim]`, whose rows
 * carry `batch.labels` (the batch's characters). With no term, the cross-entropy alone.
 */
export function siameseLossWithTerm(
  head: tfl.LayersModel,
  features: tf.Tensor2D,
  batch: PairBatchTensors,
  options: SiameseLossOptions,
  term: TripletTerm | null,
): tf.Scalar {
  if (!term) return siameseLossOfFeatures(head, features, batch, options);
  if (!batch.labels) {
    throw new RangeError("siamese triplet term: the batch carries no character labels to mine");
  }
  const labels = batch.labels;
  return tf.tidy(() => {
    const bce = siameseLossOfFeatures(head, features, batch, options);
    const mined = term.loss.compute(features, labels, term.miner, batch.mined).loss;
    return tf.add(bce, tf.mul(mined, term.weight)) as tf.Scalar;
  });
}
