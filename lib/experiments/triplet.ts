/**
 * The triplet formulation (FaceNet, Schroff et al. 2015; batch-hard of Hermans et al. 2017)
 * beside Koch et al.'s Siamese net: learn f(x) on the unit sphere so that
 * ||f(a) - f(p)||^2 + alpha < ||f(a) - f(n)||^2, mining the triplets inside P x K batches of
 * the background alphabets; then answer one-shot trials by the nearest support embedding
 * and verification by a distance threshold k chosen on validation pairs.
 *
 * One model per miner of `config.triplet.miners`, each written to
 * `models/triplet-<miner>/` (tfjs `model.json` + `weights.bin`, and `training.json` with
 * the config hash and the training record). A later run with the exact same config loads
 * the model instead of training it again. Rows use the run's shared episodes and
 * verification pairs, so they compare trial for trial with the Siamese rows.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { RunConfig, TripletConfig } from "../config.ts";
import { digest, exists, writeFileAtomic } from "../data/files.ts";
import type { ImageSet } from "../data/images.ts";
import type { Omniglot } from "../data/omniglot.ts";
import { distanceByName } from "../distances/by_name.ts";
import type { Distance } from "../distances/distance.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import {
  EmbeddingCache,
  embeddingScores,
  type EmbeddingVerification,
  embeddingVerification,
  modelEmbedder,
} from "../evaluation/embedding_eval.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import { verificationSets } from "../evaluation/verification.ts";
import { Gallery } from "../gallery.ts";
import { embeddingDimension } from "../models/embedding.ts";
import type { Figure } from "../report/figure.ts";
import { nWayCurveFigure } from "../report/figures.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import type { HistoryPoint } from "../training/checkpoint.ts";
import type { CollapseRecord } from "../training/collapse.ts";
import { loadLayersModel, saveLayersModel } from "../training/model_io.ts";
import { trainTripletEmbedding, type TripletKindsPoint } from "../training/triplet_training.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** Bumped when training changes in a way that makes saved models stale. */
const TRAINING_VERSION = 1;

/** What `training.json` beside a saved model records. */
export interface TripletTrainingRecord {
  configHash: string;
  miner: string;
  distance: string;
  steps: number;
  stoppedBy: string;
  bestStep: number;
  /** Best validation one-shot accuracy (320 trials, validation alphabets), percent. */
  bestValidation: number;
  /** Training seconds. */
  seconds: number;
  imagesPerSecond: number;
  /** Pairs whose distances entered the batches' matrices per second: P K (P K - 1) / 2 per step. */
  pairsPerSecond: number;
  history: HistoryPoint[];
  kinds: TripletKindsPoint[];
  collapse?: CollapseRecord;
  backend: string;
}

/** Method name of a miner's rows: `triplet-batch-hard`, ... */
export function methodName(miner: string): string {
  return `triplet-${miner}`;
}

/**
 * Identifies everything that decides a trained model: the triplet config, the miner, the
 * seed, the image size and the training code's version.
 */
export function tripletConfigHash(config: RunConfig, miner: string): string {
  const key = {
    version: TRAINING_VERSION,
    miner,
    seed: config.seed,
    imageSize: config.evaluation.imageSize,
    triplet: { ...config.triplet, miners: undefined },
  };
  return digest(new TextEncoder().encode(JSON.stringify(key))).slice(0, 16);
}

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
  const dir = `${context.outDir}/models/${methodName(miner)}`;
  const configHash = tripletConfigHash(context.config, miner);
  const saved = await readRecord(dir);
  if (saved?.configHash === configHash && await exists(`${dir}/model.json`)) {
    context.log(`  ${methodName(miner)}: reusing the model saved in ${dir} (same config)`);
    return {
      miner,
      model: await loadLayersModel(dir),
      distance: distanceByName(saved.distance),
      record: saved,
      reused: true,
    };
  }
  await Deno.mkdir(dir, { recursive: true });
  const checkpoint = { path: `${dir}/checkpoint.bin`, configHash };
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
    configHash,
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
  await saveLayersModel(trained.model, dir);
  await writeFileAtomic(
    `${dir}/training.json`,
    new TextEncoder().encode(JSON.stringify(record, null, 1)),
  );
  await Deno.remove(checkpoint.path).catch(() => {});
  return { miner, model: trained.model, distance: trained.distance, record, reused: false };
}

async function readRecord(dir: string): Promise<TripletTrainingRecord | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/training.json`)) as TripletTrainingRecord;
  } catch {
    return undefined;
  }
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

/** Trains (or reloads) one embedding per miner and scores each on every protocol. */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const config = context.config.triplet;
  if (config.miners.length === 0) throw new RangeError("triplet: config.triplet.miners is empty");
  const omniglot = await context.data.omniglot();
  const tasks = await context.data.tasks();
  const pairs = verificationSets(
    omniglot.evaluation,
    context.config.seed,
    config.verificationPairs,
  );
  const oneShot: OneShotRow[] = [];
  const verification: VerificationRow[] = [];
  const rocs: { method: string; result: EmbeddingVerification }[] = [];
  const models: TripletModel[] = [];
  const perMiner: Record<string, unknown> = {};

  for (const miner of config.miners) {
    const method = methodName(miner);
    context.log(
      `  ${method}: ${miner} mining, ${config.loss} loss (alpha ${config.margin}) on ${config.distance}`,
    );
    const obtained = await obtainTripletModel({ context, omniglot, miner });
    models.push(obtained);
    const cache = EmbeddingCache.forModel(obtained.model);
    const rows = tripletOneShotRows(tasks, { cache, distance: obtained.distance, method });
    oneShot.push(...rows);
    const verified = embeddingVerification(omniglot.evaluation.images, pairs, {
      cache,
      distance: obtained.distance,
    });
    rocs.push({ method, result: verified });
    verification.push(verificationRow(method, config, obtained.record, verified));
    const lake = rows.find((r) => r.protocol === "lake-runs")!;
    const koch = rows.find((r) => r.protocol === "koch-400")!;
    context.log(
      `  ${method}: lake-runs ${lake.accuracy.toFixed(2)}%, koch-400 ${
        koch.accuracy.toFixed(2)
      }%, ` +
        `verification ${verified.result.accuracy.toFixed(2)}% at k = ${
          verified.threshold.toFixed(4)
        }, ` +
        `AUC ${verified.result.auc.toFixed(4)}, EER ${verified.result.eer.toFixed(2)}%` +
        (obtained.reused
          ? " (reused model)"
          : ` (${obtained.record.steps} steps, ${obtained.record.seconds.toFixed(0)} s)`),
    );
    perMiner[method] = {
      reused: obtained.reused,
      ...obtained.record,
      lakeRuns: lake.accuracy,
      koch400: koch.accuracy,
      verification: {
        ...verified.result,
        threshold: verified.threshold,
        validationAccuracy: verified.result.validationAccuracy,
      },
      gallery: galleryCheck(obtained, omniglot, verified.threshold),
      embeddedImages: cache.embedded,
    };
  }

  return {
    oneShot,
    verification,
    figures: [
      rocFigure(rocs),
      ...models.map((m) => tripletKindsFigure(methodName(m.miner), m.record.kinds, config.margin)),
      validationFigure(models),
      nWayCurveFigure(oneShot, "triplet_n_way"),
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
      verificationPairs: { validation: pairs.validation.left.length, test: pairs.test.left.length },
      models: perMiner,
    },
  };
}

/** The verification.csv row of one model. `train_pairs` counts the pairs whose distances the batches held. */
export function verificationRow(
  method: string,
  config: TripletConfig,
  record: TripletTrainingRecord,
  verified: EmbeddingVerification,
): VerificationRow {
  const pk = config.batchCharacters * config.batchDrawings;
  return {
    experiment: "triplet",
    method,
    train_pairs: record.steps * (pk * (pk - 1)) / 2,
    distortions: config.distortions,
    test_pairs: verified.result.testPairs,
    accuracy: Math.round(verified.result.accuracy * 100) / 100,
    threshold: verified.threshold,
    auc: verified.result.auc,
    eer: Math.round(verified.result.eer * 100) / 100,
  };
}

/**
 * The gallery API on the first official run: enroll its 20 support drawings as 20 new
 * classes (no retraining), identify its 20 queries, verify each query against its answer.
 */
function galleryCheck(
  obtained: TripletModel,
  omniglot: Omniglot,
  threshold: number,
): Record<string, unknown> {
  const run = omniglot.runs[0];
  const gallery = new Gallery({
    embed: modelEmbedder(obtained.model),
    dimension: embeddingDimension(obtained.model),
    distance: obtained.distance,
    threshold,
  });
  const one = (set: ImageSet, i: number): ImageSet => ({
    size: set.size,
    count: 1,
    pixels: set.pixels.subarray(i * set.size * set.size, (i + 1) * set.size * set.size),
  });
  for (let c = 0; c < run.training.count; c++) {
    gallery.enroll(`class${String(c + 1).padStart(2, "0")}`, one(run.training, c));
  }
  let identified = 0, verified = 0;
  run.answers.forEach((answer, q) => {
    const label = `class${String(answer + 1).padStart(2, "0")}`;
    if (gallery.identify(one(run.test, q), { top: 1 })[0].label === label) identified++;
    if (gallery.verify(one(run.test, q), one(run.training, answer)).same) verified++;
  });
  return {
    run: run.name,
    enrolled: gallery.size,
    identified,
    verifiedSame: verified,
    queries: run.answers.length,
  };
}

/** ROC curves of the test verification pairs, one per model. */
export function rocFigure(rocs: { method: string; result: EmbeddingVerification }[]): Figure {
  const data = rocs.map(({ method, result }) => {
    const step = Math.max(1, Math.floor(result.roc.fpr.length / 400));
    const keep = result.roc.fpr.map((_, i) => i).filter((i) =>
      i % step === 0 || i === result.roc.fpr.length - 1
    );
    return {
      type: "scatter",
      mode: "lines",
      name: `${method} (AUC ${result.result.auc.toFixed(3)}, EER ${result.result.eer.toFixed(1)}%)`,
      x: keep.map((i) => result.roc.fpr[i]),
      y: keep.map((i) => result.roc.tpr[i]),
    };
  });
  data.push(
    {
      type: "scatter",
      mode: "lines",
      name: "chance",
      x: [0, 1],
      y: [0, 1],
      line: { dash: "dot", color: "grey" },
    } as never,
  );
  const title = "Triplet embeddings: verification ROC on test-alphabet pairs";
  return {
    name: "triplet_roc",
    title,
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: "false positive rate" }, range: [0, 1] },
      yaxis: { title: { text: "true positive rate" }, range: [0, 1] },
      legend: { orientation: "h", y: -0.2 },
      width: 640,
      height: 560,
    },
  };
}

/** Hard / semi-hard / easy fractions of the batches' triplets over training (FaceNet section 3.2). */
export function tripletKindsFigure(
  method: string,
  kinds: TripletKindsPoint[],
  margin: number,
): Figure {
  const x = kinds.map((k) => k.step);
  const line = (name: string, y: number[], color: string) => ({
    type: "scatter",
    mode: "lines",
    stackgroup: "kinds",
    name,
    x,
    y: y.map((v) => 100 * v),
    line: { color },
  });
  const title = `${method}: kinds of triplets in the training batches (alpha = ${margin})`;
  return {
    name: `${method.replaceAll("-", "_")}_triplet_kinds`,
    title,
    data: [
      line("hard: d(a,n) < d(a,p)", kinds.map((k) => k.hard), "#d62728"),
      line("semi-hard: d(a,p) <= d(a,n) < d(a,p) + alpha", kinds.map((k) => k.semiHard), "#ff7f0e"),
      line("easy: d(a,n) >= d(a,p) + alpha", kinds.map((k) => k.easy), "#2ca02c"),
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "training step" } },
      yaxis: { title: { text: "% of valid triplets" }, range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}

/** Validation one-shot accuracy over training, one line per miner. */
export function validationFigure(models: TripletModel[]): Figure {
  const title = "Triplet embeddings: validation 20-way one-shot accuracy during training";
  return {
    name: "triplet_validation",
    title,
    data: models.map((m) => {
      const pts = m.record.history.filter((h) => h.accuracy !== undefined);
      return {
        type: "scatter",
        mode: "lines+markers",
        name: methodName(m.miner),
        x: pts.map((p) => p.step),
        y: pts.map((p) => p.accuracy),
      };
    }),
    layout: {
      title: { text: title },
      xaxis: { title: { text: "training step" } },
      yaxis: { title: { text: "accuracy (%)" }, range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}
