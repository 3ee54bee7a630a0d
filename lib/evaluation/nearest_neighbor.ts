/**
 * 1-nearest-neighbour on raw pixels, the paper's simplest baseline (Koch et al. Table 2:
 * 21.7% on 20-way within-alphabet one-shot). Similarities are negated distances.
 */
import { imageAt } from "../data/images.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { TrialScores } from "./one_shot.ts";

/** A pixel-space similarity between two images of equal size (higher = closer). */
export type PixelSimilarity = (a: Float32Array, b: Float32Array) => number;

/** Negative Euclidean distance. */
export const negativeL2: PixelSimilarity = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return -Math.sqrt(s);
};

/** Negative Manhattan (L1) distance. */
export const negativeL1: PixelSimilarity = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return -s;
};

/** Cosine similarity (on ink = 1 images, so blank background does not count); 0 for a blank image. */
export const cosine: PixelSimilarity = (a, b) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
};

/** Similarities of every trial's candidates to its query under `similarity`. */
export function pixelScores(task: OneShotTask, similarity: PixelSimilarity): TrialScores {
  return task.trials.map((t) => {
    const q = imageAt(task.bank, t.query);
    return Float64Array.from(t.support.map((s) => similarity(q, imageAt(task.bank, s))));
  });
}
