/**
 * A controlled comparison of the two losses: Koch et al.'s Siamese net (binary cross-entropy on
 * the pairs of a P x K batch, each image's hardest positive and negative pair carrying it as
 * batch-hard's triplets are mined, with the Siamese experiment's focal weighting, optimiser, L2,
 * distortions and rate schedule) trained on the triplet experiment's tower, with its embedding
 * end and squared-distance geometry (the cosine head), for the triplet's steps
 * (`sameTowerConfig`). The Siamese and triplet experiments use different towers, so their
 * rows alone cannot say whether the loss or the tower makes the difference; this model's rows,
 * beside the triplet rows (report.md's "Same tower" table), can.
 *
 * It is scored exactly as the Siamese experiment scores its net: lake-runs, koch-400, the
 * N-way curve and koch-val on the run's shared episodes. `model_store.ts` decides where the model lives and
 * when a saved one is reused; a killed run resumes from its checkpoint.
 */
import { sameTowerConfig } from "./same_tower_config.ts";
import { EmbeddingCache } from "../evaluation/embedding_eval.ts";
import { taskImages, taskScores } from "../evaluation/features.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import { siameseSimilarity } from "../evaluation/siamese_scores.ts";
import type { SiameseHead } from "../models/cosine_head.ts";
import type { PairMining } from "../training/siamese_loss.ts";
import type { TowerSpec } from "../models/koch.ts";
import { disposeNet } from "../models/siamese_net.ts";
import { trainingCurveFigure } from "../report/figures.ts";
import type { OneShotRow } from "../report/tables.ts";
import { trainSiamese } from "../training/siamese_training.ts";
import {
  reuseOrTrain,
  SAME_TOWER_METHOD,
  sameTowerDir,
  SIAMESE_FORMAT,
  siameseMeta,
} from "./model_store.ts";
import { sameTowerHash } from "./model_hashes.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** What the `same-tower` experiment records in `run.json` (report.md's "Same tower" table reads it). */
export type SameTowerDetails = {
  configHash: string;
  reused: boolean;
  /** The tower trained (the triplet's, its dense layer linear under the cosine head). */
  tower: TowerSpec;
  /** The head joining the towers (runs before it was recorded had the paper's `weighted-l1`). */
  head: SiameseHead;
  /** Which pairs carry the loss (runs before it was recorded weighed `all`). */
  pairMining: PairMining;
  params: number;
  steps: number;
  /** The step bound (the triplet's steps): a time-limit stop is reported against it. */
  maxSteps: number;
  stoppedBy: string;
  bestStep: number;
  bestValidationAccuracy: number;
  trainSeconds: number;
  pairsPerStep: number;
  /** lake-runs and koch-400 accuracy, percent. */
  lakeRuns: number;
  koch400: number;
};

/** Train (or reuse) the Siamese net on the triplet tower, then score it as the Siamese experiment does. */
export async function run(
  context: ExperimentContext,
): Promise<ExperimentResult<SameTowerDetails>> {
  const config = sameTowerConfig(context.config);
  const omniglot = await context.data.omniglot();
  const tasks = await context.data.tasks();
  const oneShotOnly = context.config.slice?.evaluation === "one-shot";
  const nWayTasks = oneShotOnly ? [] : tasks.nWay;
  const label = SAME_TOWER_METHOD;
  const { net, meta, reused } = await reuseOrTrain({
    format: SIAMESE_FORMAT,
    dir: sameTowerDir(context.outDir),
    hash: sameTowerHash(context.config),
    label,
    log: context.log,
    train: async (checkpoint) => {
      const trained = await trainSiamese({
        config,
        background: omniglot.background,
        evaluation: omniglot.evaluation,
        rng: context.rng,
        checkpoint,
        label,
        log: context.log,
        quiet: context.quiet,
      });
      const meta = siameseMeta(trained, checkpoint, context.config.seed, config);
      const r = trained.result;
      context.log(
        `  ${label}: ${r.steps} steps in ${r.seconds.toFixed(0)}s (${
          (r.steps / Math.max(r.seconds, 1e-9)).toFixed(2)
        } steps/s, stopped by ${r.stoppedBy}), best validation ${
          r.bestAccuracy.toFixed(1)
        }% at step ${r.bestStep}`,
      );
      return { net: trained.net, meta };
    },
  });

  // One batched pass over every evaluation image the protocols use.
  const images = new Set<number>();
  for (const t of [tasks.koch400, ...nWayTasks]) for (const i of taskImages(t)) images.add(i);
  const cache = EmbeddingCache.forModel(net.tower);
  cache.get(omniglot.evaluation.images, [...images]);
  const similarity = siameseSimilarity(net);
  const oneShot: OneShotRow[] = [tasks.lakeRuns, tasks.koch400, ...nWayTasks].map((task) =>
    oneShotRow(scoreOneShot(task, taskScores(task, cache, similarity)), {
      experiment: "same-tower",
      method: SAME_TOWER_METHOD,
      paperFamily: "siamese",
    })
  );
  // koch-val (the validation protocol) through a cache of its own, as the Siamese experiment
  // scores it, so the test protocols' embeddings stay those of the batched pass above.
  if (!oneShotOnly) {
    const valCache = EmbeddingCache.forModel(net.tower);
    oneShot.push(
      oneShotRow(scoreOneShot(tasks.kochVal, taskScores(tasks.kochVal, valCache, similarity)), {
        experiment: "same-tower",
        method: SAME_TOWER_METHOD,
      }),
    );
  }
  const lake = oneShot.find((r) => r.protocol === "lake-runs")!;
  const koch = oneShot.find((r) => r.protocol === "koch-400")!;
  context.log(
    `  ${label}: lake-runs ${lake.accuracy.toFixed(2)}%, koch-400 ${koch.accuracy.toFixed(2)}%` +
      (reused ? " (reused model)" : ""),
  );
  disposeNet(net);

  const t = meta.training;
  return {
    oneShot,
    verification: [],
    figures: [
      trainingCurveFigure(
        meta.history,
        "same_tower_training",
        "Siamese net (BCE) on the triplet tower: training",
      ),
    ],
    details: {
      configHash: meta.configHash,
      reused,
      tower: config.tower,
      head: config.head ?? "weighted-l1",
      pairMining: config.pairMining ?? "all",
      params: t.params,
      steps: t.steps,
      maxSteps: config.steps,
      stoppedBy: t.stoppedBy,
      bestStep: t.bestStep,
      bestValidationAccuracy: t.bestAccuracy,
      trainSeconds: t.seconds,
      pairsPerStep: t.pairsPerStep,
      lakeRuns: lake.accuracy,
      koch400: koch.accuracy,
    },
  };
}
