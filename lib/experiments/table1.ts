/**
 * Koch et al.'s Table 1 as an experiment of its own (`--only table1`, not in the default run):
 * one Siamese net per (training pairs, distortions) point, trained on minibatches of 128 pairs
 * from a fixed pool of that many labelled pairs of the background alphabets, each until
 * validation stops improving (patience) or its budget runs out (a step bound, and a time net),
 * then scored on verification as every other model is. The points and budgets are
 * `table1Config`'s; each row's steps, stop and seconds go to `run.json` and report.md's
 * "Table 1 (its own experiment)" section.
 *
 * The Siamese experiment's own Table 1 rows (`siamese-bce-fixed-pairs`, a 75-step pipeline check)
 * stay where they are; these rows are method `siamese-bce-table1`, experiment `table1`.
 * `model_store.ts` decides where the models live and when a saved one is reused; a killed run
 * resumes from its checkpoint.
 */
import type { Table1Budget } from "./table1_budget.ts";
import { table1Config } from "./table1_budget.ts";
import { EmbeddingCache } from "../evaluation/embedding_eval.ts";
import { verificationRow } from "../evaluation/rows.ts";
import { siameseSimilarity } from "../evaluation/siamese_scores.ts";
import { verificationSets } from "../evaluation/verification.ts";
import { disposeNet } from "../models/siamese_net.ts";
import type { Figure } from "../report/figure.ts";
import { trainingCurveFigure } from "../report/figures.ts";
import type { VerificationRow } from "../report/tables.ts";
import { fixedPairPool, trainSiamese } from "../training/siamese_training.ts";
import {
  reuseOrTrain,
  SIAMESE_FORMAT,
  siameseMeta,
  TABLE1_EXPERIMENT_METHOD,
  table1ExperimentDir,
  type Table1Point,
} from "./model_store.ts";
import { table1ExperimentHash } from "./model_hashes.ts";
import { verify } from "./siamese.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** One model of the `table1` experiment as `run.json` records it. */
export type Table1ModelDetails = Table1Point & {
  configHash: string;
  reused: boolean;
  /** Verification on the test pairs: accuracy and EER in percent, AUC in [0, 1]. */
  accuracy: number;
  auc: number;
  eer: number;
  /** Steps trained, and the bound they had. */
  steps: number;
  maxSteps: number;
  /** "patience" (validation stopped improving), "steps" (the bound) or "time" (the net). */
  stoppedBy: string;
  /** The model's time net, seconds (a time stop is reported against it). */
  maxSeconds: number;
  bestStep: number;
  /** Best validation one-shot accuracy (320 tasks, validation alphabets), percent. */
  bestValidationAccuracy: number;
  /** Training seconds. */
  seconds: number;
};

/** What the `table1` experiment records in `run.json` (report.md's section reads it). */
export type Table1ExperimentDetails = {
  /** The points and each model's budget (`table1Config`). */
  budget: Table1Budget;
  models: Table1ModelDetails[];
  /** What a bounded slice left out, named for the report (a one-shot slice skips every model). */
  skipped?: string[];
};

/** Train (or reuse) one model per point of `table1Config`, and score each on verification. */
export async function run(
  context: ExperimentContext,
): Promise<ExperimentResult<Table1ExperimentDetails>> {
  const { config, log } = context;
  const budget = table1Config(config);
  // A 105x105 slice on a CPU backend scores one-shot only (run_slice.ts): verification of the
  // 105x105 net takes hours there, and verification is all these models are for.
  if (config.slice?.evaluation === "one-shot") {
    const skipped = ["table1: every model (verification at 105x105 on a CPU backend)"];
    log(`  skipped: ${skipped[0]}`);
    return { oneShot: [], verification: [], figures: [], details: { budget, models: [], skipped } };
  }
  const omniglot = await context.data.omniglot();
  // The verification pairs every model of the run is scored on (the Siamese experiment's).
  const sets = verificationSets(
    omniglot.evaluation,
    config.seed,
    config.evaluation.verificationPairs,
  );
  const images = [
    ...new Set([
      ...sets.validation.left,
      ...sets.validation.right,
      ...sets.test.left,
      ...sets.test.right,
    ]),
  ];
  const verification: VerificationRow[] = [];
  const models: Table1ModelDetails[] = [];
  // Each model's loss and validation curve: whether validation had stopped rising.
  const figures: Figure[] = [];
  for (const trainPairs of budget.trainPairs) {
    for (const distortions of budget.distortions) {
      const point = { trainPairs, distortions };
      const label = `table1 ${trainPairs}-${distortions ? "distorted" : "plain"}`;
      const { net, meta, reused } = await reuseOrTrain({
        format: SIAMESE_FORMAT,
        dir: table1ExperimentDir(context.outDir, point),
        hash: table1ExperimentHash(config, point),
        label,
        log,
        train: async (checkpoint) => {
          const rng = context.rng.fork(`${trainPairs}/${distortions}`);
          const trained = await trainSiamese({
            config: config.siamese,
            background: omniglot.background,
            evaluation: omniglot.evaluation,
            rng,
            pool: fixedPairPool(omniglot.background, rng, point, budget.batchPairs),
            limits: budget,
            checkpoint,
            label,
            log,
            quiet: context.quiet,
          });
          const meta = siameseMeta(trained, checkpoint, config.seed, {
            ...config.siamese,
            table1: budget,
            table1Point: point,
          });
          return { net: trained.net, meta };
        },
      });
      const cache = EmbeddingCache.forModel(net.tower);
      cache.get(omniglot.evaluation.images, images);
      const v = verify(cache, omniglot.evaluation.images, sets, siameseSimilarity(net));
      disposeNet(net);
      verification.push(verificationRow(v, {
        experiment: "table1",
        method: TABLE1_EXPERIMENT_METHOD,
        trainPairs,
        distortions,
        paperTable1: true,
      }));
      figures.push(trainingCurveFigure(
        meta.history,
        `table1_${trainPairs}_${distortions ? "distorted" : "plain"}_training`,
        `Table 1 model, ${trainPairs} pairs${distortions ? ", distorted" : ""}: training`,
      ));
      const t = meta.training;
      log(
        `  ${label}: ${t.steps} of ${budget.steps} steps in ${
          t.seconds.toFixed(0)
        }s (stopped by ${t.stoppedBy}), ` +
          `best validation ${t.bestAccuracy.toFixed(1)}% at step ${t.bestStep}; verification ${
            v.accuracy.toFixed(2)
          }% (AUC ${v.auc.toFixed(4)})${reused ? " (reused model)" : ""}`,
      );
      models.push({
        trainPairs,
        distortions,
        configHash: meta.configHash,
        reused,
        accuracy: v.accuracy,
        auc: v.auc,
        eer: v.eer,
        steps: t.steps,
        maxSteps: budget.steps,
        stoppedBy: t.stoppedBy,
        maxSeconds: budget.maxSeconds,
        bestStep: t.bestStep,
        bestValidationAccuracy: t.bestAccuracy,
        seconds: t.seconds,
      });
    }
  }
  return { oneShot: [], verification, figures, details: { budget, models } };
}
