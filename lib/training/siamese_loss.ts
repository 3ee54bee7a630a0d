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
 *
 * Optionally the weights focus on the hard pairs (not in the paper; the focal loss of Lin
 * et al. 2017 in a class-balanced form): within each class a pair's weight is multiplied by
 * (1 - p_right)^gamma and renormalised, so positives and negatives keep their halves but the
 * thousands of easy negatives (two alphabets that look nothing alike) stop diluting the
 * few that look alike, the ones within-alphabet one-shot is about.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { headKind } from "../models/cosine_head.ts";
import { hardestPairWeights } from "./hardest_pairs.ts";
import { readsSynchronously, SyncReadError } from "../backends/host_reads.ts";
import type { Mined } from "../losses/triplet_loss.ts";

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
  /** The labels and weights as numbers (needed to refocus the weights); `[pairs]`. */
  same?: ArrayLike<number>;
  weights?: ArrayLike<number>;
  /** Each pair's image indices (needed by hardest-pair mining); `[pairs]`. */
  left?: ArrayLike<number>;
  right?: ArrayLike<number>;
  /** Each image's character (needed by the triplet term, siamese_triplet_term.ts); `[images]`. */
  labels?: ArrayLike<number>;
  /**
   * Hardest-pair weights read ahead of the step (siamese_ahead.ts), `[pairs]`: needed by
   * hardest-pair mining where the backend cannot read the logits inside the step.
   */
  hardestWeights?: Float32Array;
  /** The triplet term's triplets read ahead of the step (siamese_ahead.ts), likewise. */
  mined?: Mined;
}

/** Options of {@link siameseLoss}. */
export interface SiameseLossOptions {
  /** Focusing exponent gamma; 0 (the default) keeps the given weights (the paper's loss). */
  focus?: number;
  /**
   * `all` (the default): every pair of the batch with its given weight; `hardest`: only each
   * image's hardest positive and negative pair (hardest_pairs.ts), before any focusing.
   */
  mining?: PairMining;
}

/** Which pairs of a batch can carry the loss (see {@link SiameseLossOptions}). */
export const PAIR_MININGS = ["all", "hardest"] as const;
export type PairMining = typeof PAIR_MININGS[number];

/**
 * The head's logits, `[pairs, 1]`, from the tower features `[images, dim]`: the paper's head
 * weighs |h1 - h2|, the cosine head (cosine_head.ts) (h1 - h2)^2.
 */
export function pairLogits(
  head: tfl.LayersModel,
  features: tf.Tensor2D,
  difference: tf.Tensor2D,
  training = false,
): tf.Tensor2D {
  const squared = headKind(head) === "cosine";
  return tf.tidy(() => {
    const d = tf.matMul(difference, features);
    return head.apply(squared ? tf.square(d) : tf.abs(d), { training }) as tf.Tensor2D;
  });
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
  options: SiameseLossOptions = {},
): tf.Scalar {
  return tf.tidy(() =>
    siameseLossOfFeatures(
      head,
      tower.apply(batch.images, { training: true }) as tf.Tensor2D,
      batch,
      options,
    )
  );
}

/**
 * {@link siameseLoss} from the tower's features of the batch's images `[images, dim]`: the
 * part of the loss that needs the whole batch at once (gradient_cache.ts runs the tower in
 * chunks and this on the gathered features).
 */
export function siameseLossOfFeatures(
  head: tfl.LayersModel,
  features: tf.Tensor2D,
  batch: PairBatchTensors,
  options: SiameseLossOptions = {},
): tf.Scalar {
  const focus = options.focus ?? 0;
  const hardest = options.mining === "hardest";
  return tf.tidy(() => {
    const z = pairLogits(head, features, batch.difference, true);
    let weight = batch.weight;
    if (focus > 0 || hardest) {
      if (!batch.same || !batch.weights) {
        throw new RangeError("siameseLoss: focus needs the batch's same and weights arrays");
      }
      if (hardest && (!batch.left || !batch.right)) {
        throw new RangeError("siameseLoss: hardest-pair mining needs the batch's left and right");
      }
      if (!readsSynchronously()) {
        // webgpu cannot read the logits inside the taped step (host_reads.ts): hardest-pair
        // weights come read ahead of it, focal weights are computed on the GPU from the
        // logits held constant.
        if (hardest && !batch.hardestWeights) {
          throw new SyncReadError(
            "siameseLoss: hardest-pair mining on a backend without synchronous reads needs the " +
              "batch's hardestWeights, read ahead of the step (siamese_ahead.ts)",
          );
        }
        const [same, base] = [batch.same, hardest ? batch.hardestWeights! : batch.weights];
        weight = focus > 0
          ? constant(z, (logits) => focalWeightsTensor(logits as tf.Tensor2D, same, base, focus))
          : tf.tensor2d(Float32Array.from(base), [z.shape[0], 1]);
        return tf.sum(tf.mul(bceWithLogits(z, batch.target), weight)) as tf.Scalar;
      }
      // Read the logits' values: the weights are constants, no gradient flows through them.
      const logits = z.dataSync();
      let weights = hardest
        ? hardestPairWeights(
          logits,
          batch.same,
          batch.left!,
          batch.right!,
          batch.images.shape[0],
        )
        : batch.weights;
      if (focus > 0) weights = focalWeights(logits, batch.same, weights, focus);
      weight = tf.tensor2d(
        weights instanceof Float32Array ? weights : Float32Array.from(weights),
        [z.shape[0], 1],
      );
    }
    return tf.sum(tf.mul(bceWithLogits(z, batch.target), weight)) as tf.Scalar;
  });
}

/**
 * Weights times (1 - p_right)^gamma, renormalised within each class so that the
 * positives' and the negatives' totals stay what they were. `logits`, `same` and `weights`
 * are `[pairs]`.
 */
export function focalWeights(
  logits: ArrayLike<number>,
  same: ArrayLike<number>,
  weights: ArrayLike<number>,
  gamma: number,
): Float32Array {
  const n = logits.length;
  const raw = new Float64Array(n);
  const before = [0, 0], after = [0, 0];
  for (let p = 0; p < n; p++) {
    const prob = 1 / (1 + Math.exp(-logits[p]));
    const wrong = same[p] ? 1 - prob : prob;
    const c = same[p] ? 1 : 0;
    raw[p] = weights[p] * wrong ** gamma;
    before[c] += weights[p];
    after[c] += raw[p];
  }
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const c = same[p] ? 1 : 0;
    out[p] = after[c] > 0 ? (raw[p] * before[c]) / after[c] : weights[p];
  }
  return out;
}

/**
 * {@link focalWeights} as tensor operations, for backends that cannot read the logits inside
 * the taped step: `logits` `[pairs, 1]` (run it inside {@link constant}), `same` and
 * `weights` `[pairs]`; returns `[pairs, 1]`. Equal to focalWeights up to float32 rounding.
 */
export function focalWeightsTensor(
  logits: tf.Tensor2D,
  same: ArrayLike<number>,
  weights: ArrayLike<number>,
  gamma: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const n = logits.shape[0];
    const s = tf.tensor2d(Float32Array.from(same, (v) => (v ? 1 : 0)), [n, 1]);
    const w = tf.tensor2d(Float32Array.from(weights), [n, 1]);
    const p = tf.sigmoid(logits);
    const wrong = tf.add(tf.mul(s, tf.sub(1, p)), tf.mul(tf.sub(1, s), p));
    const raw = tf.mul(w, tf.pow(wrong, gamma));
    // Within each class: raw * before / after, or the weights unchanged when after is 0.
    const inClass = (mask: tf.Tensor) => {
      const before = tf.sum(tf.mul(w, mask));
      const after = tf.sum(tf.mul(raw, mask));
      const some = tf.cast(tf.greater(after, 0), "float32");
      const scaled = tf.div(tf.mul(raw, before), tf.maximum(after, 1e-30));
      return tf.mul(mask, tf.add(tf.mul(some, scaled), tf.mul(tf.sub(1, some), w)));
    };
    return tf.add(inClass(s), inClass(tf.sub(1, s))) as tf.Tensor2D;
  });
}

/**
 * `f(x)` held constant: no gradient flows back through it to `x` (tfjs has no stopGradient),
 * and the ops inside `f` are not taped (some, such as Greater, have no gradient).
 */
export function constant<T extends tf.Tensor>(x: tf.Tensor, f: (x: tf.Tensor) => T): T {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: f(inputs[0] as tf.Tensor),
    gradFunc: (_dy: tf.Tensor) => tf.zerosLike(inputs[0] as tf.Tensor),
  }))(x) as T;
}

/** Elementwise binary cross-entropy of logits `z` against targets `y` in {0, 1}. */
export function bceWithLogits(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))
  );
}
