/**
 * The paper's simplest baseline (Koch et al. Table 2: 1-nearest-neighbour, 21.7%):
 * classify each query as the candidate whose raw pixels are closest. Two distances:
 * Euclidean, and cosine on ink = 1 images (so empty background does not count as match).
 */
import {
  cosine,
  negativeL1,
  negativeL2,
  pixelScores,
  type PixelSimilarity,
} from "../evaluation/nearest_neighbor.ts";
import { mapPixels } from "../data/images.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { OneShotRow } from "../report/tables.ts";
import { nWayCurveFigure } from "../report/figures.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** The two pixel distances, by method name as written in `one_shot.csv`. */
export const BASELINE_METHODS: Record<string, PixelSimilarity> = {
  "1-nn-cosine": cosine,
  "1-nn-l2": negativeL2,
};

/** Score `task` with each 1-NN method. */
export function baselineRows(task: OneShotTask, experiment = "baseline"): OneShotRow[] {
  return Object.entries(BASELINE_METHODS).map(([method, sim]) =>
    oneShotRow(scoreOneShot(task, pixelScores(task, sim)), {
      experiment,
      method,
      paperFamily: "1-nn",
    })
  );
}

/** How a pixel reading of {@link PIXEL_READINGS} sees an image pair. */
export interface PixelReading {
  similarity: PixelSimilarity;
  /** Applied to every pixel (ink in [0, 1]) before the similarity; identity when absent. */
  pixel?: (ink: number) => number;
}

/**
 * Readings of the pixels that a 1-NN baseline could plausibly have used. The paper's MNIST
 * 1-NN row (26.5%, section 4.4) does not say which; `pixelReadingRows` scores them all on the
 * same trials, to see whether any of them comes near it.
 */
export const PIXEL_READINGS: Record<string, PixelReading> = {
  "Euclidean": { similarity: negativeL2 },
  "Manhattan": { similarity: negativeL1 },
  "cosine on ink = 1": { similarity: cosine },
  "cosine on ink = 0 (white background)": { similarity: cosine, pixel: (v) => 1 - v },
  "Euclidean, binarized at 0.5": { similarity: negativeL2, pixel: (v) => v > 0.5 ? 1 : 0 },
  "cosine on ink = 0, binarized at 0.5": {
    similarity: cosine,
    pixel: (v) => v > 0.5 ? 0 : 1,
  },
};

/** One 1-NN row per pixel reading on `task` (method = the reading's name). */
export function pixelReadingRows(
  task: OneShotTask,
  readings: Record<string, PixelReading> = PIXEL_READINGS,
): OneShotRow[] {
  return Object.entries(readings).map(([method, { similarity, pixel }]) => {
    const read = pixel ? { ...task, bank: mapPixels(task.bank, pixel) } : task;
    return oneShotRow(scoreOneShot(read, pixelScores(read, similarity)), {
      experiment: "baseline-check",
      method,
      paperFamily: "1-nn",
    });
  });
}

/**
 * 1-NN on lake-runs, koch-400, the n-way curve (Omniglot), mnist-400 and koch-val (validation),
 * on the images as released (the paper's pixels) whether or not the models' are cut to ink boxes.
 */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const tasks = await context.data.released().tasks();
  const oneShot: OneShotRow[] = [];
  oneShot.push(...baselineRows(tasks.lakeRuns), ...baselineRows(tasks.koch400));
  for (const t of tasks.nWay) oneShot.push(...baselineRows(t));
  oneShot.push(...baselineRows(await context.data.mnistTask()));
  // Validation rows last, so that the test rows keep their order.
  oneShot.push(...baselineRows(tasks.kochVal));
  for (const r of oneShot.filter((r) => r.protocol !== "n-way")) {
    context.log(
      `  ${r.method.padEnd(12)} ${r.dataset}/${r.protocol} ${r.ways}-way: ${
        r.accuracy.toFixed(2)
      }%`,
    );
  }
  return {
    oneShot,
    verification: [],
    figures: [nWayCurveFigure(oneShot, "baseline_n_way")],
    details: { imageSize: context.config.evaluation.imageSize },
  };
}
