/**
 * The triplet formulation (FaceNet, Schroff et al. 2015; batch-hard of Hermans et al. 2017)
 * beside Koch et al.'s Siamese net: learn f(x) on the unit sphere so that
 * ||f(a) - f(p)||^2 + alpha < ||f(a) - f(n)||^2, mining the triplets inside P x K batches of
 * the background alphabets; then answer one-shot trials by the nearest support embedding
 * and verification by a distance threshold k chosen on validation pairs; koch-val scores it on
 * the validation alphabets. A 105x105 slice on a CPU backend scores lake-runs and koch-400
 * only, as the Siamese experiment does (run_slice.ts).
 *
 * One model per miner of `config.triplet.miners`; `model_store.ts` decides where each
 * lives and when a saved one is reused. Rows use the run's shared episodes and
 * verification pairs, so they compare trial for trial with the Siamese rows.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Omniglot } from "../data/omniglot.ts";
import { distanceByName } from "../distances/by_name.ts";
import type { Distance } from "../distances/distance.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import {
  EmbeddingCache,
  embeddingScores,
  type EmbeddingVerification,
  embeddingVerification,
} from "../evaluation/embedding_eval.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow, verificationRow } from "../evaluation/rows.ts";
import { timed } from "../evaluation/timed.ts";
import { verificationSets } from "../evaluation/verification.ts";
import {
  nWayCurveFigure,
  rocFigure,
  tripletKindsFigure,
  validationFigure,
} from "../report/figures.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import { describeTripletLoss, trainTripletEmbedding } from "../training/triplet_training.ts";
import {
  reuseOrTrain,
  TRIPLET_FORMAT,
  tripletDir,
  tripletMethod,
  type TripletTrainingRecord,
} from "./model_store.ts";
import { tripletHash } from "./model_hashes.ts";
import { type GalleryCheck, galleryCheck } from "./triplet_gallery.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

export { type GalleryCheck, tripletGallery } from "./triplet_gallery.ts";

/** A trained (or reloaded) model of one miner. */
export interface TripletModel {
  miner: string;
  model: tfl.LayersModel;
  distance: Distance;
  record: TripletTrainingRecord;
  /** Loaded from disk instead of trained. */
  reused: boolean;
}

/** Options of {@link obtainTripletModel}. */
export interface ObtainOptions {
  context: ExperimentContext;
  omniglot: Omniglot;
  miner: string;
}

/** Load the saved model of `miner` when its config hash matches, else train and save one. */
export async function obtainTripletModel(options: ObtainOptions): Promise<TripletModel> {
  const { context, omniglot, miner } = options;
  const config = context.config.triplet;
  const obtained = await reuseOrTrain({
    format: TRIPLET_FORMAT,
    dir: tripletDir(context.outDir, miner),
    hash: tripletHash(context.config, miner),
    label: tripletMethod(miner),
    log: context.log,
    train: async (checkpoint) => {
      const trained = await trainTripletEmbedding({
        config,
        miner,
        background: omniglot.background,
        evaluation: omniglot.evaluation,
        rng: context.rng.fork(miner),
        checkpoint,
        log: context.log,
        quiet: context.quiet,
      });
      const pk = config.batchCharacters * config.batchDrawings;
      const t = trained.train;
      const record: TripletTrainingRecord = {
        configHash: checkpoint.configHash,
        miner,
        distance: trained.distance.name,
        steps: t.steps,
        stoppedBy: t.stoppedBy,
        bestStep: t.bestStep,
        bestValidation: t.bestAccuracy,
        seconds: t.seconds,
        imagesPerSecond: t.examplesPerSecond,
        pairsPerSecond: (t.examplesPerSecond * (pk - 1)) / 2,
        history: t.history,
        kinds: trained.kinds,
        collapse: trained.collapse,
        backend: context.backend,
      };
      return { net: trained.model, meta: record };
    },
  });
  const { net: model, meta: record, reused } = obtained;
  return { miner, model, distance: distanceByName(record.distance), record, reused };
}

/** One-shot rows of an embedding on lake-runs, koch-400 and the n-way curve. */
export function tripletOneShotRows(
  tasks: { lakeRuns: OneShotTask; koch400: OneShotTask; nWay: OneShotTask[] },
  options: { cache: EmbeddingCache; distance: Distance; method: string },
): OneShotRow[] {
  return [tasks.lakeRuns, tasks.koch400, ...tasks.nWay].map((task) =>
    oneShotRow(scoreOneShot(task, embeddingScores(task, options)), {
      experiment: "triplet",
      method: options.method,
    })
  );
}

/** One miner's model as `run.json` records it: its training record and its scores. */
export type TripletModelDetails = TripletTrainingRecord & {
  reused: boolean;
  /** lake-runs and koch-400 accuracy, percent. */
  lakeRuns: number;
  koch400: number;
  /** koch-val (validation) accuracy, percent, and the seconds its scoring took. */
  kochVal?: { accuracy: number; seconds: number };
  /** Undefined in a one-shot-only slice (run_slice.ts), as is the gallery check. */
  verification?: EmbeddingVerification["result"] & { threshold: number };
  gallery?: GalleryCheck;
  embeddedImages: number;
};

/** What the triplet experiment records in `run.json`. */
export type TripletDetails = {
  imageSize: number;
  distance: string;
  loss: string;
  margin: number;
  embeddingDim: number;
  batch: { characters: number; drawings: number; perAlphabet: number };
  /** Undefined in a one-shot-only slice. */
  verificationPairs?: { validation: number; test: number };
  /** By method name (`triplet-<miner>`). */
  models: Record<string, TripletModelDetails>;
  /** Parts of the evaluation a bounded slice skipped, named for the report. */
  skipped?: string[];
};

/**
 * Trains (or reloads) one embedding per miner and scores each on every protocol; in a
 * one-shot-only slice on lake-runs and koch-400 alone (no verification pairs, no gallery
 * check: it needs their threshold, no n-way curve).
 */
export async function run(
  context: ExperimentContext,
): Promise<ExperimentResult<TripletDetails>> {
  const config = context.config.triplet;
  if (config.miners.length === 0) throw new RangeError("triplet: config.triplet.miners is empty");
  const omniglot = await context.data.omniglot();
  const tasks = await context.data.tasks();
  const oneShotOnly = context.config.slice?.evaluation === "one-shot";
  const pairs = oneShotOnly ? undefined : verificationSets(
    omniglot.evaluation,
    context.config.seed,
    context.config.evaluation.verificationPairs,
  );
  const oneShot: OneShotRow[] = [];
  const verification: VerificationRow[] = [];
  const rocs: { method: string; result: EmbeddingVerification }[] = [];
  const models: TripletModel[] = [];
  const perMiner: Record<string, TripletModelDetails> = {};

  for (const miner of config.miners) {
    const method = tripletMethod(miner);
    context.log(
      `  ${method}: ${miner} mining, ${describeTripletLoss(config)} on ${config.distance}`,
    );
    const obtained = await obtainTripletModel({ context, omniglot, miner });
    models.push(obtained);
    const cache = EmbeddingCache.forModel(obtained.model);
    const rows = tripletOneShotRows(oneShotOnly ? { ...tasks, nWay: [] } : tasks, {
      cache,
      distance: obtained.distance,
      method,
    });
    oneShot.push(...rows);
    const verified = pairs && embeddingVerification(omniglot.evaluation.images, pairs, {
      cache,
      distance: obtained.distance,
    });
    if (verified) {
      rocs.push({ method, result: verified });
      const pk = config.batchCharacters * config.batchDrawings;
      verification.push(verificationRow(verified.result, {
        experiment: "triplet",
        method,
        // The pairs whose distances the training batches held.
        trainPairs: obtained.record.steps * (pk * (pk - 1)) / 2,
        distortions: config.distortions,
        threshold: verified.threshold,
      }));
    }
    // koch-val through a cache of its own, after verification: the test protocols'
    // embeddings stay those computed before, and its time is its own.
    const kochVal = oneShotOnly ? undefined : timed(() =>
      oneShotRow(
        scoreOneShot(
          tasks.kochVal,
          embeddingScores(tasks.kochVal, {
            cache: EmbeddingCache.forModel(obtained.model),
            distance: obtained.distance,
          }),
        ),
        { experiment: "triplet", method },
      )
    );
    if (kochVal) oneShot.push(kochVal.value);
    const lake = rows.find((r) => r.protocol === "lake-runs")!;
    const koch = rows.find((r) => r.protocol === "koch-400")!;
    context.log(
      `  ${method}: lake-runs ${lake.accuracy.toFixed(2)}%, koch-400 ${koch.accuracy.toFixed(2)}%` +
        (verified
          ? `, verification ${verified.result.accuracy.toFixed(2)}% at k = ${
            verified.threshold.toFixed(4)
          }, AUC ${verified.result.auc.toFixed(4)}, EER ${verified.result.eer.toFixed(2)}%`
          : "") +
        (obtained.reused
          ? " (reused model)"
          : ` (${obtained.record.steps} steps, ${obtained.record.seconds.toFixed(0)} s)`),
    );
    if (kochVal) {
      context.log(
        `  ${method}: koch-val (validation) ${kochVal.value.accuracy.toFixed(2)}% [${
          kochVal.value.ci_low.toFixed(1)
        }, ${kochVal.value.ci_high.toFixed(1)}], scored in ${kochVal.seconds.toFixed(1)} s`,
      );
    }
    perMiner[method] = {
      reused: obtained.reused,
      ...obtained.record,
      lakeRuns: lake.accuracy,
      koch400: koch.accuracy,
      ...(kochVal
        ? { kochVal: { accuracy: kochVal.value.accuracy, seconds: kochVal.seconds } }
        : {}),
      ...(verified
        ? {
          verification: {
            ...verified.result,
            threshold: verified.threshold,
            validationAccuracy: verified.result.validationAccuracy,
          },
          gallery: galleryCheck(obtained, omniglot, verified.threshold),
        }
        : {}),
      embeddedImages: cache.embedded,
    };
  }

  return {
    oneShot,
    verification,
    figures: [
      ...(oneShotOnly ? [] : [rocFigure(rocs)]),
      ...models.map((m) =>
        tripletKindsFigure(tripletMethod(m.miner), m.record.kinds, config.margin)
      ),
      validationFigure(
        models.map((m) => ({ method: tripletMethod(m.miner), history: m.record.history })),
      ),
      ...(oneShotOnly ? [] : [nWayCurveFigure(oneShot, "triplet_n_way")]),
    ],
    details: {
      imageSize: context.config.evaluation.imageSize,
      distance: config.distance,
      loss: config.loss,
      margin: config.margin,
      embeddingDim: config.embeddingDim,
      batch: {
        characters: config.batchCharacters,
        drawings: config.batchDrawings,
        perAlphabet: config.batchPerAlphabet,
      },
      ...(pairs
        ? {
          verificationPairs: {
            validation: pairs.validation.left.length,
            test: pairs.test.left.length,
          },
        }
        : {}),
      models: perMiner,
      ...(oneShotOnly ? { skipped: context.config.slice!.skipped } : {}),
    },
  };
}
