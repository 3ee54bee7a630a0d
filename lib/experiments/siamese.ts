/**
 * Koch, Zemel and Salakhutdinov (2015), sections 3 and 4: a convolutional Siamese net
 * whose two towers share weights, joined by p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b)
 * and trained with binary cross-entropy on same/different pairs.
 *
 * Training draws P x K batches from the 30 background alphabets and uses every pair inside
 * a batch (about 2,000 labelled pairs per forward pass of 64 images), with the affine
 * distortions of section 3.2; early stopping watches 320 one-shot tasks on the validation
 * alphabets. Then the model is scored on verification (Table 1), on the one-shot
 * protocols (Table 2: lake-runs, koch-400), on the N-way curve and on koch-val (the
 * validation alphabets). Table 1's own setting, a fixed pool of N labelled pairs with or
 * without distortions, trains extra models.
 *
 * `model_store.ts` decides where the models live and when a saved one is reused; a run
 * killed mid-training resumes from its checkpoint.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ImageSet } from "../data/images.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { EmbeddingCache } from "../evaluation/embedding_eval.ts";
import {
  type FeatureSimilarity,
  pairScores,
  taskImages,
  taskScores,
} from "../evaluation/features.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow, verificationRow } from "../evaluation/rows.ts";
import { timed } from "../evaluation/timed.ts";
import { siameseSimilarity } from "../evaluation/siamese_scores.ts";
import {
  evaluateVerification,
  type ImagePairs,
  type VerificationResult,
  verificationSets,
} from "../evaluation/verification.ts";
import { disposeNet, type SiameseNet } from "../models/siamese_net.ts";
import { nWayCurveFigure, trainingCurveFigure } from "../report/figures.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import { fixedPairPool, trainSiamese } from "../training/siamese_training.ts";
import {
  reuseOrTrain,
  SIAMESE_FORMAT,
  SIAMESE_METHOD,
  siameseDir,
  type SiameseMeta,
  siameseMeta,
  TABLE1_METHOD,
  table1Dir,
  type Table1Point,
} from "./model_store.ts";
import { siameseHash } from "./model_hashes.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** A Table 1 model as `run.json` records it. */
export type Table1Details = {
  trainPairs: number;
  distortions: boolean;
  /** Verification accuracy on the test pairs, percent. */
  accuracy: number;
  steps: number;
  /** Why training ended ("steps", "time", ...): a time limit that binds is reported. */
  stoppedBy: string;
  reused: boolean;
  seconds: number;
};

/** What the Siamese experiment records in `run.json`. */
export type SiameseDetails = {
  configHash: string;
  reused: boolean;
  tower: string;
  params: number;
  steps: number;
  stoppedBy: string;
  bestStep: number;
  bestValidationAccuracy: number;
  trainSeconds: number;
  pairsPerStep: number;
  pairsPerSecond: number;
  /** Undefined in a one-shot-only slice (run_slice.ts). */
  verification?: VerificationResult;
  table1: Table1Details[];
  /** koch-val (validation) accuracy, percent, and the seconds its scoring took. */
  kochVal?: { accuracy: number; seconds: number };
  /** Parts of the evaluation a bounded slice skipped, named for the report. */
  skipped?: string[];
};

/** Train (or reuse) the model, then score verification, the one-shot protocols and the N-way curve. */
export async function run(
  context: ExperimentContext,
): Promise<ExperimentResult<SiameseDetails>> {
  const { config, log } = context;
  const cfg = config.siamese;
  const omniglot = await context.data.omniglot();
  const tasks = await context.data.tasks();
  const main = await trainOrReuse(context, { dir: siameseDir(context.outDir), label: "siamese" });
  const { net } = main;
  const similarity = siameseSimilarity(net);
  // A 105x105 slice on a CPU backend scores lake-runs and koch-400 only (run_slice.ts).
  const oneShotOnly = config.slice?.evaluation === "one-shot";
  const nWayTasks = oneShotOnly ? [] : tasks.nWay;

  // Embed every evaluation image any protocol uses, once.
  const sets = verificationSets(
    omniglot.evaluation,
    config.seed,
    config.evaluation.verificationPairs,
  );
  const evalImages = new Set<number>(
    oneShotOnly
      ? []
      : [...sets.validation.left, ...sets.validation.right, ...sets.test.left, ...sets.test.right],
  );
  for (const t of [tasks.koch400, ...nWayTasks]) for (const i of taskImages(t)) evalImages.add(i);
  const evalBank = omniglot.evaluation.images;
  // One batched pass over every evaluation image a protocol uses, per tower.
  const evalCache = (tower: tfl.LayersModel) => {
    const cache = EmbeddingCache.forModel(tower);
    cache.get(evalBank, [...evalImages]);
    return cache;
  };
  const cache = evalCache(net.tower);

  const oneShot: OneShotRow[] = [];
  const row = (task: OneShotTask, embeddings = cache) =>
    oneShotRow(scoreOneShot(task, taskScores(task, embeddings, similarity)), {
      experiment: "siamese",
      method: SIAMESE_METHOD,
      paperFamily: "siamese",
    });
  oneShot.push(row(tasks.lakeRuns));
  oneShot.push(row(tasks.koch400));
  for (const t of nWayTasks) oneShot.push(row(t));
  // koch-val through a cache of its own: the test protocols' embeddings stay those of the
  // one batched pass above, and its time is its own.
  const kochVal = oneShotOnly
    ? undefined
    : timed(() => row(tasks.kochVal, EmbeddingCache.forModel(net.tower)));
  if (kochVal) oneShot.push(kochVal.value);
  for (const r of oneShot.filter((r) => r.protocol !== "n-way")) {
    log(
      `  ${SIAMESE_METHOD} ${r.dataset}/${r.protocol} ${r.ways}-way: ${r.accuracy.toFixed(2)}% [${
        r.ci_low.toFixed(1)
      }, ${r.ci_high.toFixed(1)}]`,
    );
  }
  if (kochVal) log(`  ${SIAMESE_METHOD} koch-val scored in ${kochVal.seconds.toFixed(1)} s`);

  const verification: VerificationRow[] = [];
  const mainVerification = oneShotOnly ? undefined : verify(cache, evalBank, sets, similarity);
  if (mainVerification) {
    verification.push(verificationRow(mainVerification, {
      experiment: "siamese",
      method: SIAMESE_METHOD,
      trainPairs: main.meta.training.steps * main.meta.training.pairsPerStep,
      distortions: cfg.distortions,
    }));
    log(
      `  ${SIAMESE_METHOD} verification: ${mainVerification.accuracy.toFixed(2)}% (AUC ${
        mainVerification.auc.toFixed(4)
      }, EER ${mainVerification.eer.toFixed(2)}%)`,
    );
  }

  // Table 1: one model per (training pairs, distortions) point, trained on a fixed pool.
  const table1: Table1Details[] = [];
  for (const trainPairs of oneShotOnly ? [] : cfg.table1.trainPairs) {
    for (const distortions of cfg.table1.distortions) {
      const point = { trainPairs, distortions };
      const trained = await trainOrReuse(context, {
        dir: table1Dir(context.outDir, point),
        label: `siamese table1 ${trainPairs}-${distortions ? "distorted" : "plain"}`,
        table1: point,
      });
      const v = verify(
        evalCache(trained.net.tower),
        evalBank,
        sets,
        siameseSimilarity(trained.net),
      );
      verification.push(verificationRow(v, {
        experiment: "siamese",
        method: TABLE1_METHOD,
        trainPairs,
        distortions,
        paperTable1: true,
      }));
      log(
        `  ${TABLE1_METHOD} ${trainPairs} pairs${distortions ? " + distortions" : ""}: ${
          v.accuracy.toFixed(2)
        }%`,
      );
      table1.push({
        trainPairs,
        distortions,
        accuracy: v.accuracy,
        steps: trained.meta.training.steps,
        stoppedBy: trained.meta.training.stoppedBy,
        reused: trained.reused,
        seconds: trained.meta.training.seconds,
      });
      disposeNet(trained.net);
    }
  }

  const figures = [
    ...(oneShotOnly ? [] : [nWayCurveFigure(oneShot, "siamese_n_way")]),
    trainingCurveFigure(main.meta.history),
  ];
  const t = main.meta.training;
  const details: SiameseDetails = {
    configHash: main.meta.configHash,
    reused: main.reused,
    tower: cfg.tower.name,
    params: t.params,
    steps: t.steps,
    stoppedBy: t.stoppedBy,
    bestStep: t.bestStep,
    bestValidationAccuracy: t.bestAccuracy,
    trainSeconds: t.seconds,
    pairsPerStep: t.pairsPerStep,
    pairsPerSecond: t.examplesPerSecond,
    verification: mainVerification,
    table1,
    ...(kochVal ? { kochVal: { accuracy: kochVal.value.accuracy, seconds: kochVal.seconds } } : {}),
    ...(oneShotOnly ? { skipped: config.slice!.skipped } : {}),
  };
  disposeNet(net);
  return { oneShot, verification, figures, details };
}

async function trainOrReuse(
  context: ExperimentContext,
  options: { dir: string; label: string; table1?: Table1Point },
): Promise<{ net: SiameseNet; meta: SiameseMeta; reused: boolean }> {
  return await reuseOrTrain({
    format: SIAMESE_FORMAT,
    dir: options.dir,
    hash: siameseHash(context.config, options.table1),
    label: options.label,
    log: context.log,
    train: (checkpoint) => trainModel(context, options, checkpoint),
  });
}

async function trainModel(
  context: ExperimentContext,
  options: { label: string; table1?: Table1Point },
  checkpoint: { path: string; configHash: string },
): Promise<{ net: SiameseNet; meta: SiameseMeta }> {
  const config = context.config.siamese;
  const omniglot = await context.data.omniglot();
  const rng = options.table1
    ? context.rng.fork(`table1/${options.table1.trainPairs}/${options.table1.distortions}`)
    : context.rng;
  const pool = options.table1
    ? fixedPairPool(omniglot.background, rng, options.table1, config.table1.batchPairs)
    : undefined;
  const trained = await trainSiamese({
    config,
    background: omniglot.background,
    evaluation: omniglot.evaluation,
    rng,
    pool,
    limits: options.table1 ? config.table1 : undefined,
    checkpoint,
    label: options.label,
    log: context.log,
    quiet: context.quiet,
  });
  const { net, result } = trained;
  const meta = siameseMeta(
    trained,
    checkpoint,
    context.config.seed,
    options.table1 ? { ...config, table1Point: options.table1 } : config,
  );
  context.log(
    `  ${options.label}: ${result.steps} steps in ${result.seconds.toFixed(0)}s (${
      result.examplesPerSecond.toFixed(0)
    } pairs/s, ` +
      `stopped by ${result.stoppedBy}), best validation ${
        result.bestAccuracy.toFixed(1)
      }% at step ${result.bestStep}`,
  );
  return { net, meta };
}

/**
 * Verification of a Siamese net through `cache` (its tower's embeddings): the threshold chosen on
 * the validation pairs, accuracy, AUC and EER on the test pairs. The `table1` experiment scores
 * its models with it too, on the same pairs.
 */
export function verify(
  cache: EmbeddingCache,
  bank: ImageSet,
  sets: { validation: ImagePairs; test: ImagePairs },
  similarity: FeatureSimilarity,
): VerificationResult {
  return evaluateVerification({
    validation: {
      scores: pairScores(cache, bank, sets.validation, similarity),
      same: sets.validation.same,
    },
    test: { scores: pairScores(cache, bank, sets.test, similarity), same: sets.test.same },
  });
}
