/**
 * MNIST 10-way one-shot transfer (Koch et al. section 4.4): the Omniglot-trained models,
 * with no training on MNIST, classify MNIST test digits from one example of each digit.
 * Paper: 1-NN 26.5%, Siamese 70.3%. The 1-NN rows come from the `baseline` experiment.
 *
 * MNIST (28x28) is resampled to the profile's image size (the paper upsampled to 35x35
 * for its model trained on Omniglot downsampled by 3). Ink polarity: Omniglot is decoded
 * to ink = 1 on a 0 background and MNIST already is, so no inversion is needed.
 */
import { exists } from "../data/files.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import { EmbeddingCache, embeddingScores } from "../evaluation/embedding_eval.ts";
import { distanceByName } from "../distances/by_name.ts";
import { loadLayersModel } from "../training/model_io.ts";
import type { OneShotRow } from "../report/tables.ts";
import { loadSiamese, METHOD as SIAMESE_METHOD, siameseTaskScores } from "./siamese.ts";
import { methodName } from "./triplet.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** Scores every Omniglot-trained model found under `${outDir}/models/` on mnist-400. */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const task = await context.data.mnistTask();
  const models = `${context.outDir}/models`;
  const oneShot: OneShotRow[] = [];
  const used: string[] = [];

  const siameseDir = `${models}/siamese`;
  if (await exists(`${siameseDir}/siamese.json`)) {
    const { net, meta } = await loadSiamese(siameseDir);
    checkSize(meta.config.tower.inputSize, task.bank.size, siameseDir);
    oneShot.push(oneShotRow(scoreOneShot(task, siameseTaskScores(net, task)), {
      experiment: "mnist",
      method: SIAMESE_METHOD,
      paperFamily: "siamese",
    }));
    used.push(siameseDir);
  }

  for (const miner of context.config.triplet.miners) {
    const dir = `${models}/${methodName(miner)}`;
    if (!(await exists(`${dir}/model.json`)) || !(await exists(`${dir}/training.json`))) continue;
    const record = JSON.parse(await Deno.readTextFile(`${dir}/training.json`)) as {
      distance: string;
    };
    const model = await loadLayersModel(dir);
    const inputSize = model.inputs[0].shape[1];
    if (typeof inputSize === "number") checkSize(inputSize, task.bank.size, dir);
    const cache = EmbeddingCache.forModel(model);
    const scores = embeddingScores(task, { cache, distance: distanceByName(record.distance) });
    oneShot.push(oneShotRow(scoreOneShot(task, scores), {
      experiment: "mnist",
      method: methodName(miner),
      paperFamily: "siamese",
    }));
    model.dispose();
    used.push(dir);
  }

  if (oneShot.length === 0) {
    throw new Error(
      `no Omniglot-trained model under ${models}/ (siamese/ or triplet-<miner>/); ` +
        `run the siamese and triplet experiments of this profile first (e.g. --only siamese,triplet,mnist)`,
    );
  }
  for (const r of oneShot) {
    context.log(`  ${r.method.padEnd(20)} mnist 10-way: ${r.accuracy.toFixed(2)}%`);
  }
  return {
    oneShot,
    verification: [],
    figures: [],
    details: { models: used, imageSize: task.bank.size },
  };
}

function checkSize(modelSize: number, imageSize: number, dir: string): void {
  if (modelSize !== imageSize) {
    throw new Error(
      `the model in ${dir} takes ${modelSize}x${modelSize} images but this profile uses ${imageSize}x${imageSize}`,
    );
  }
}
