/**
 * The one-shot models a results folder holds, loaded to score tasks without training: the Siamese
 * net, the triplet embedding of each miner, and (when asked) the Siamese net on the triplet tower.
 * The MNIST transfer, the ensembles and views, `mnist-ink` and `protocol-gap` score them alike.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { distanceByName } from "../distances/by_name.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { EmbeddingCache, embeddingScores, modelEmbedder } from "../evaluation/embedding_eval.ts";
import { taskScores } from "../evaluation/features.ts";
import type { TrialScores } from "../evaluation/one_shot.ts";
import { siameseSimilarity } from "../evaluation/siamese_scores.ts";
import { viewAveragedEmbedder } from "../evaluation/test_time_views.ts";
import { embeddingDimension } from "../models/embedding.ts";
import { disposeNet, type SiameseNet } from "../models/siamese_net.ts";
import type { PaperFamily } from "../paper.ts";
import {
  isSaved,
  loadSiamese,
  loadTriplet,
  SAME_TOWER_METHOD,
  sameTowerDir,
  SIAMESE_FORMAT,
  SIAMESE_METHOD,
  siameseDir,
  TRIPLET_FORMAT,
  tripletDir,
  tripletMethod,
} from "./model_store.ts";

/** A trained one-shot model's scoring of trials, each image embedded once per cache. */
export interface Scorer {
  /** Similarity of each trial's query to its candidates (higher = more alike). */
  scores(task: OneShotTask): TrialScores;
  /** The same, each image's features averaged over its shifted views (test_time_views.ts). */
  viewScores(task: OneShotTask): TrialScores;
  dispose(): void;
}

/** A saved model ready to score one-shot trials. */
export interface SavedModel extends Scorer {
  /** Row method name (`siamese-bce`, `triplet-<miner>`, `siamese-triplet-tower`). */
  method: string;
  /** The experiment that trained it (`siamese`, `triplet`, `same-tower`). */
  experiment: string;
  /** The paper's method it is (the Siamese net); none for models not in the paper. */
  paperFamily?: PaperFamily;
  /** Folder it was loaded from. */
  dir: string;
}

/** Options of {@link loadSavedModels}. */
export interface LoadOptions {
  /** Also the `same-tower` experiment's net (default false). */
  sameTower?: boolean;
}

/**
 * Every one-shot model saved under the results folder `outDir`: the Siamese net, the triplet
 * embedding of each of `miners`, and the same-tower net when asked; those not saved are left out.
 * @throws {Error} when a model takes another image size than `imageSize`.
 */
export async function loadSavedModels(
  outDir: string,
  miners: readonly string[],
  imageSize: number,
  options: LoadOptions = {},
): Promise<SavedModel[]> {
  const out: SavedModel[] = [];
  const siamese = [
    { dir: siameseDir(outDir), method: SIAMESE_METHOD, experiment: "siamese" },
    ...(options.sameTower
      ? [{ dir: sameTowerDir(outDir), method: SAME_TOWER_METHOD, experiment: "same-tower" }]
      : []),
  ];
  // A model that cannot be scored (damaged, or of another image size) refuses the folder; the
  // models loaded before it are disposed, as is the one refused.
  try {
    for (const s of siamese) {
      if (!(await isSaved(SIAMESE_FORMAT, s.dir))) continue;
      const { net, meta } = await loadSiamese(s.dir);
      out.push({
        ...s,
        // The paper's model is the Siamese net on its own tower.
        ...(s.method === SIAMESE_METHOD ? { paperFamily: "siamese" as const } : {}),
        ...siameseScorer(net),
      });
      checkSize(meta.config.tower.inputSize, imageSize, s.dir);
    }
    for (const miner of miners) {
      const dir = tripletDir(outDir, miner);
      if (!(await isSaved(TRIPLET_FORMAT, dir))) continue;
      const { net: model, meta } = await loadTriplet(dir);
      out.push({
        method: tripletMethod(miner),
        experiment: "triplet",
        dir,
        ...embeddingScorer(model, meta.distance),
      });
      const inputSize = model.inputs[0].shape[1];
      if (typeof inputSize === "number") checkSize(inputSize, imageSize, dir);
    }
  } catch (err) {
    for (const m of out) m.dispose();
    throw err;
  }
  return out;
}

/** A Siamese net's scorer: its tower's features compared by its head (weighted L1). */
export function siameseScorer(net: SiameseNet): Scorer {
  const similarity = siameseSimilarity(net);
  const { plain, views } = caches(net.tower);
  return {
    scores: (task) => taskScores(task, plain, similarity),
    viewScores: (task) => taskScores(task, views, similarity),
    dispose: () => disposeNet(net),
  };
}

/** An embedding net's scorer: the negated `distance` (its name) between embeddings. */
export function embeddingScorer(model: tfl.LayersModel, distanceName: string): Scorer {
  const { plain, views } = caches(model);
  const distance = distanceByName(distanceName);
  return {
    scores: (task) => embeddingScores(task, { cache: plain, distance }),
    viewScores: (task) => embeddingScores(task, { cache: views, distance }),
    dispose: () => model.dispose(),
  };
}

/** A tower's features through caches of their own: one view (the image), and shifted views. */
function caches(model: tfl.LayersModel): { plain: EmbeddingCache; views: EmbeddingCache } {
  return {
    plain: EmbeddingCache.forModel(model),
    views: new EmbeddingCache({
      embed: viewAveragedEmbedder(modelEmbedder(model)),
      dimension: embeddingDimension(model),
    }),
  };
}

function checkSize(modelSize: number, imageSize: number, dir: string): void {
  if (modelSize !== imageSize) {
    throw new Error(
      `the model in ${dir} takes ${modelSize}x${modelSize} images but this profile uses ${imageSize}x${imageSize}`,
    );
  }
}
