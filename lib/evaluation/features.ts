/**
 * Scoring with a tower: every image is embedded once through an `EmbeddingCache` (batched
 * forward passes in inference mode), then features are compared in plain JS. The Siamese
 * net compares with its head (weighted L1), an embedding net with a negated distance; both
 * plug in here.
 */
import type { ImageSet } from "../data/images.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { EmbeddingCache } from "./embedding_eval.ts";
import type { TrialScores } from "./one_shot.ts";

/** Similarity of two feature vectors (higher = more likely the same class). */
export type FeatureSimilarity = (a: Float32Array, b: Float32Array) => number;

/**
 * `[trials][ways]` similarities of each trial's candidates to its query. Every image the
 * trials reference is looked up in `cache` once, in first-use order (what is not cached yet
 * is embedded in one batched pass).
 */
export function taskScores(
  task: OneShotTask,
  cache: EmbeddingCache,
  similarity: FeatureSimilarity,
): TrialScores {
  const images = [...taskImages(task)];
  const rows = cache.get(task.bank, images);
  const d = cache.dimension;
  const feature = new Map(images.map((img, r) => [img, rows.subarray(r * d, (r + 1) * d)]));
  return task.trials.map((t) => {
    const q = feature.get(t.query)!;
    return Float64Array.from(t.support.map((s) => similarity(q, feature.get(s)!)));
  });
}

/** Similarities of image pairs (index pairs into `bank`), `[pairs]`. */
export function pairScores(
  cache: EmbeddingCache,
  bank: ImageSet,
  pairs: { left: ArrayLike<number>; right: ArrayLike<number> },
  similarity: FeatureSimilarity,
): Float64Array {
  const n = pairs.left.length;
  if (pairs.right.length !== n) throw new RangeError("pairScores: left and right differ in length");
  const d = cache.dimension;
  const a = cache.get(bank, Array.from(pairs.left));
  const b = cache.get(bank, Array.from(pairs.right));
  return Float64Array.from(
    { length: n },
    (_, p) => similarity(a.subarray(p * d, (p + 1) * d), b.subarray(p * d, (p + 1) * d)),
  );
}

/** Every image a task's trials reference. */
export function taskImages(task: OneShotTask): Set<number> {
  const used = new Set<number>();
  for (const t of task.trials) {
    used.add(t.query);
    for (const s of t.support) used.add(s);
  }
  return used;
}

/**
 * The Siamese head as a feature similarity: sum_j alpha_j |a_j - b_j| + bias, the logit
 * of "same" (the sigmoid is left out: it is monotonic, and in float32 it saturates at 1,
 * turning distinct confident scores into ties).
 */
export function weightedL1Similarity(alpha: Float32Array, bias: number): FeatureSimilarity {
  return (a, b) => {
    let s = bias;
    for (let j = 0; j < alpha.length; j++) s += alpha[j] * Math.abs(a[j] - b[j]);
    return s;
  };
}

/**
 * The cosine head (lib/models/cosine_head.ts) as a feature similarity: sum_j alpha_j (a_j -
 * b_j)^2 + bias, its logit of "same".
 */
export function weightedSquaredL2Similarity(alpha: Float32Array, bias: number): FeatureSimilarity {
  return (a, b) => {
    let s = bias;
    for (let j = 0; j < alpha.length; j++) s += alpha[j] * (a[j] - b[j]) ** 2;
    return s;
  };
}
