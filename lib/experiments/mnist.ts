/**
 * MNIST 10-way one-shot transfer (Koch et al. section 4.4): the Omniglot-trained models,
 * with no training on MNIST, classify MNIST test digits from one example of each digit.
 * Paper: 1-NN 26.5%, Siamese 70.3%. The 1-NN rows come from the `baseline` experiment.
 *
 * MNIST (28x28) is resampled to the profile's image size (the paper upsampled to 35x35
 * for its model trained on Omniglot downsampled by 3). Ink polarity: Omniglot is decoded
 * to ink = 1 on a 0 background and MNIST already is, so no inversion is needed.
 *
 * Ink weight: at 35x35 an MNIST digit carries about 1.7 times the ink of an Omniglot
 * character (thick, saturated strokes against thin ones). Every model is scored twice on the
 * same trials: on the digits as the paper prepares them, and ink-matched (pixels times the
 * label-free factor that gives MNIST the Omniglot training set's mean ink per image, 0.588 on
 * the test set at 35x35). Whether it helps depends on the model, so both readings are kept,
 * and `deno task mnist-ink` measures it on episodes from the MNIST *training* set (never the
 * test trials), 3 x 400 trials: for the standard models matching gives 73.08 / 73.25 / 67.00%
 * for batch-hard / semi-hard / Siamese against 69.42 / 70.42 / 65.25% unmatched (a plateau
 * between factors 0.5 and 0.8); for the quick models it costs 3-6 points (41.00 / 46.92 /
 * 50.33% against 47.25 / 50.33 / 55.92%).
 */
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { OneShotRow } from "../report/tables.ts";
import { modelsDir } from "./model_store.ts";
import { loadSavedModels, type SavedModel } from "./saved_models.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** Suffix of the method name of rows scored on ink-matched digits. */
export const INK_MATCHED = " (ink-matched)";

/**
 * One row per model on the plain `task` and one on its ink-matched copy `matched`; each
 * model is disposed once scored.
 */
export function transferRows(
  models: readonly SavedModel[],
  task: OneShotTask,
  matched: OneShotTask,
): OneShotRow[] {
  const oneShot: OneShotRow[] = [];
  for (const model of models) {
    for (const v of [{ task, suffix: "" }, { task: matched, suffix: INK_MATCHED }]) {
      oneShot.push(oneShotRow(scoreOneShot(v.task, model.scores(v.task)), {
        experiment: "mnist",
        method: model.method + v.suffix,
        paperFamily: model.paperFamily,
      }));
    }
    model.dispose();
  }
  return oneShot;
}

/**
 * Scores every Omniglot-trained model saved under the results folder on mnist-400, twice:
 * on the digits as the paper prepares them (upsampled), and on the same trials ink-matched.
 */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const task = await context.data.mnistTask();
  const matched = await context.data.mnistInkMatchedTask();
  const models = await loadSavedModels(
    context.outDir,
    context.config.triplet.miners,
    task.bank.size,
  );
  if (models.length === 0) {
    throw new Error(
      `no Omniglot-trained model under ${
        modelsDir(context.outDir)
      }/ (siamese/ or triplet-<miner>/); ` +
        `run the siamese and triplet experiments of this profile first (e.g. --only siamese,triplet,mnist)`,
    );
  }
  const oneShot = transferRows(models, task, matched.task);
  context.log(`  ink-matched: MNIST pixels x ${matched.factor.toFixed(3)}`);
  for (const r of oneShot) {
    context.log(`  ${r.method.padEnd(34)} mnist 10-way: ${r.accuracy.toFixed(2)}%`);
  }
  return {
    oneShot,
    verification: [],
    figures: [],
    details: {
      models: models.map((m) => m.dir),
      imageSize: task.bank.size,
      inkFactor: matched.factor,
    },
  };
}
