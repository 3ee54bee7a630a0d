/**
 * Scoring with a tower: embed every image a task references once (batched forward passes
 * in inference mode), then compare features in plain JS. The Siamese net compares with
 * its head (weighted L1), an embedding net with a negated distance; both plug in here.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { type ImageSet, selectImages } from "../data/images.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { embeddingDimension, embedImages } from "../models/embedding.ts";
import type { TrialScores } from "./one_shot.ts";

/** Similarity of two feature vectors (higher = more likely the same class). */
export type FeatureSimilarity = (a: Float32Array, b: Float32Array) => number;

/** Features of images, row `i` belonging to image `indices[i]` of the bank. */
export interface Features {
  dim: number;
  /** Bank image index -> row. */
  row: Map<number, number>;
  /** `[rows, dim]`. */
  values: Float32Array;
}

/** The features of one image. */
export function featureOf(features: Features, image: number): Float32Array {
  const r = features.row.get(image);
  if (r === undefined) throw new RangeError(`featureOf: image ${image} was not embedded`);
  return features.values.subarray(r * features.dim, (r + 1) * features.dim);
}

/**
 * Run `model` (inference mode) on the images `indices` of `set` (each distinct index
 * once), `batchSize` at a time.
 */
export function embedFeatures(
  model: tfl.LayersModel,
  set: ImageSet,
  indices: Iterable<number>,
  batchSize = 256,
): Features {
  const unique = [...new Set(indices)];
  const row = new Map(unique.map((img, i) => [img, i]));
  const values = embedImages(model, selectImages(set, unique), { batchSize });
  return { dim: embeddingDimension(model), row, values };
}

/** `[trials][ways]` similarities of each trial's candidates to its query. */
export function taskScores(
  task: OneShotTask,
  features: Features,
  similarity: FeatureSimilarity,
): TrialScores {
  return task.trials.map((t) => {
    const q = featureOf(features, t.query);
    return Float64Array.from(t.support.map((s) => similarity(q, featureOf(features, s))));
  });
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

/** Embed what `task` needs and score it. */
export function scoreTaskWith(
  model: tfl.LayersModel,
  task: OneShotTask,
  similarity: FeatureSimilarity,
): TrialScores {
  return taskScores(task, embedFeatures(model, task.bank, taskImages(task)), similarity);
}

/** Negated Euclidean distance between feature vectors. */
export const negativeDistance: FeatureSimilarity = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return -Math.sqrt(s);
};

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
