/**
 * Koch, Zemel and Salakhutdinov (2015), sections 3 and 4: a convolutional Siamese net
 * whose two towers share weights, joined by p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b)
 * and trained with binary cross-entropy on same/different pairs.
 *
 * Training draws P x K batches from the 30 background alphabets and uses every pair inside
 * a batch (about 2,000 labelled pairs per forward pass of 64 images), with the affine
 * distortions of section 3.2; early stopping watches 320 one-shot tasks on the validation
 * alphabets. Then the model is scored on verification (Table 1), on the one-shot
 * protocols (Table 2: lake-runs, koch-400) and on the N-way curve. Table 1's own setting,
 * a fixed pool of N labelled pairs with or without distortions, trains extra models.
 *
 * A model saved under `models/siamese/` with the same configuration hash is reused
 * instead of retrained; a run killed mid-training resumes from its checkpoint.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { SiameseConfig } from "../config.ts";
import { digest, exists, writeFileAtomic } from "../data/files.ts";
import type { ImageSet } from "../data/images.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { validationTask } from "../episodes/validation_task.ts";
import { EmbeddingCache } from "../evaluation/embedding_eval.ts";
import {
  type FeatureSimilarity,
  pairScores,
  taskImages,
  taskScores,
  weightedL1Similarity,
} from "../evaluation/features.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import {
  evaluateVerification,
  type ImagePairs,
  verificationPairs,
  type VerificationResult,
  verificationSets,
} from "../evaluation/verification.ts";
import { buildSiameseHead, buildTower, countParams, type TowerSpec } from "../models/koch.ts";
import { PAPER_VERIFICATION } from "../paper.ts";
import type { Figure } from "../report/figure.ts";
import { nWayCurveFigure } from "../report/figures.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import type { Rng } from "../rng.ts";
import { KOCH_DISTORTIONS } from "../training/augment.ts";
import { sampleBatch } from "../training/batches.ts";
import type { HistoryPoint } from "../training/checkpoint.ts";
import { train, type TrainResult } from "../training/loop.ts";
import { loadLayersModel, saveLayersModel } from "../training/model_io.ts";
import { allPairs, differenceMatrix, type PairSet, samplePoolBatch } from "../training/pairs.ts";
import { Adam, kochSchedule, type Optimizer, SgdMomentum } from "../training/schedules.ts";
import { siameseLoss } from "../training/siamese_loss.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** Method name of the main model's rows. */
export const METHOD = "siamese-bce";
/** Method name of the Table 1 models (trained on a fixed pool of pairs). */
export const TABLE1_METHOD = "siamese-bce-fixed-pairs";

/** The two halves of the net: the shared tower and the weighted-L1 head. */
export interface SiameseNet {
  /** `[batch, s, s, 1]` -> `[batch, dense]`. */
  tower: tfl.LayersModel;
  /** `[pairs, dense]` |h1 - h2| -> `[pairs, 1]` logit of "same". */
  head: tfl.LayersModel;
}

/** Build an untrained net; initial weights are fixed by `rng`. */
export function buildSiamese(spec: TowerSpec, rng: Rng): SiameseNet {
  return {
    tower: buildTower(spec, rng.fork("tower")),
    head: buildSiameseHead(spec, rng.fork("head")),
  };
}

/** The head as a similarity of two feature vectors (its logit; higher = same). */
export function siameseSimilarity(net: SiameseNet): FeatureSimilarity {
  const [kernel, bias] = net.head.getWeights();
  return weightedL1Similarity(kernel.dataSync() as Float32Array, bias.dataSync()[0]);
}

/** `[trials][ways]` head logits of a one-shot task (each referenced image embedded once). */
export function siameseTaskScores(net: SiameseNet, task: OneShotTask): Float64Array[] {
  return taskScores(
    task,
    EmbeddingCache.forModel(net.tower),
    siameseSimilarity(net),
  ) as Float64Array[];
}

/** What is saved beside the weights, and what decides whether a saved model is reused. */
export interface SiameseMeta {
  /** Hash of what determines the trained weights (config, seed, image size, training data). */
  configHash: string;
  seed: number;
  config: SiameseConfig | (SiameseConfig & { table1Point: unknown });
  training: Omit<TrainResult, "history"> & { pairsPerStep: number; params: number };
  history: HistoryPoint[];
}

/** Save a trained net as `${dir}/tower/`, `${dir}/head/` (tfjs layers format) and `${dir}/siamese.json`. */
export async function saveSiamese(net: SiameseNet, dir: string, meta: SiameseMeta): Promise<void> {
  await saveLayersModel(net.tower, `${dir}/tower`);
  await saveLayersModel(net.head, `${dir}/head`);
  // Written last: its presence says the weights beside it are complete.
  await writeFileAtomic(`${dir}/siamese.json`, JSON.stringify(meta, null, 2) + "\n");
}

/** Load a net saved by {@link saveSiamese}. */
export async function loadSiamese(dir: string): Promise<{ net: SiameseNet; meta: SiameseMeta }> {
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/siamese.json`)) as SiameseMeta;
  return {
    net: {
      tower: await loadLayersModel(`${dir}/tower`),
      head: await loadLayersModel(`${dir}/head`),
    },
    meta,
  };
}

/** The hash of everything that determines a trained model's weights. */
export function siameseConfigHash(
  config: SiameseConfig | object,
  seed: number,
  imageSize: number,
): string {
  // Training code changes that alter results bump this version.
  const key = JSON.stringify({ version: 1, config, seed, imageSize });
  return digest(new TextEncoder().encode(key)).slice(0, 16);
}

/** The part of the config that shapes the main model's weights (evaluation settings and Table 1 left out). */
export function trainingKey(
  config: SiameseConfig,
): Omit<SiameseConfig, "table1" | "verificationPairs"> {
  const { table1: _table1, verificationPairs: _pairs, ...rest } = config;
  return rest;
}

/** Options of {@link trainSiamese}. */
export interface TrainSiameseOptions {
  config: SiameseConfig;
  /** Training images (the background alphabets). */
  background: OmniglotSplit;
  /** Validation one-shot tasks come from its validation alphabets. */
  evaluation: OmniglotSplit;
  /** Stream for initialisation, batches and validation (forked by name). */
  rng: Rng;
  /**
   * Table 1 setting: train on minibatches from this fixed pool of pairs (indices into
   * `background.images`) instead of all pairs of P x K batches.
   */
  pool?: { pairs: ImagePairs; batchPairs: number; distortions: boolean };
  /** Limits that override the config's (Table 1 models have their own). */
  limits?: { steps: number; validateEvery: number; patience: number; maxSeconds: number };
  checkpoint?: { path: string; configHash: string };
  label?: string;
  log?: (line: string) => void;
  quiet?: boolean;
  /** Clock in ms. */
  now?: () => number;
}

/** Train a Siamese net; returns it with the best validation weights in place. */
export async function trainSiamese(
  options: TrainSiameseOptions,
): Promise<{ net: SiameseNet; result: TrainResult; pairsPerStep: number }> {
  const { config, background, evaluation, rng } = options;
  const size = config.tower.inputSize;
  if (background.images.size !== size) {
    throw new RangeError(
      `trainSiamese: images are ${background.images.size}px but the tower ${config.tower.name} takes ${size}px`,
    );
  }
  const net = buildSiamese(config.tower, rng.fork("init"));
  const batchRoot = rng.fork("batches");
  const augment = config.distortions ? KOCH_DISTORTIONS : false;
  const P = config.batchCharacters, K = config.batchDrawings;

  // Each step's batch comes from a stream named after the step, so a resumed run draws the same batches.
  const batch = (step: number) => {
    const r = batchRoot.fork(String(step));
    let images: Float32Array, count: number, pairs: PairSet;
    if (options.pool) {
      const b = samplePoolBatch(background.images, options.pool.pairs, r, {
        pairs: options.pool.batchPairs,
        augment: options.pool.distortions ? KOCH_DISTORTIONS : false,
      });
      ({ images, count, pairs } = b);
    } else {
      const b = sampleBatch(background, r, {
        characters: P,
        drawings: K,
        perAlphabet: config.batchPerAlphabet,
        augment,
      });
      ({ images, count } = b);
      pairs = allPairs(b.labels, {
        alphabets: b.alphabets,
        sameAlphabetWeight: config.sameAlphabetWeight,
      });
    }
    const n = pairs.left.length;
    return {
      images: tf.tensor4d(images, [count, size, size, 1]),
      difference: tf.tensor2d(differenceMatrix(pairs, count), [n, count]),
      target: tf.tensor2d(Float32Array.from(pairs.same), [n, 1]),
      weight: tf.tensor2d(pairs.weight, [n, 1]),
      same: pairs.same,
      weights: pairs.weight,
    };
  };
  const pairsPerStep = options.pool ? options.pool.batchPairs : (P * K * (P * K - 1)) / 2;

  const valTask = validationTask(evaluation, rng.fork("validation"));
  const validate = () => scoreOneShot(valTask, siameseTaskScores(net, valTask)).accuracy;

  const limits = options.limits ?? config;
  const optimizer = makeOptimizer(config, [net.tower, net.head]);
  const result = await train({
    models: [net.tower, net.head],
    optimizer,
    batch,
    loss: (b) => siameseLoss(net.tower, net.head, b, { focus: config.focus }),
    validate,
    steps: limits.steps,
    validateEvery: limits.validateEvery,
    patience: limits.patience,
    maxSeconds: limits.maxSeconds,
    checkpoint: options.checkpoint,
    examplesPerStep: pairsPerStep,
    label: options.label ?? "siamese",
    log: options.log,
    quiet: options.quiet,
    now: options.now,
  }).finally(() => optimizer.dispose());
  return { net, result, pairsPerStep };
}

/** The configured optimiser; L2 (section 3.1) applies to kernels only, not biases or batch-norm parameters. */
export function makeOptimizer(config: SiameseConfig, models: tfl.LayersModel[]): Optimizer {
  const weights = models.flatMap((m) => m.trainableWeights);
  const weightDecay = weights.map((w) => (/kernel/.test(w.originalName ?? w.name) ? config.l2 : 0));
  const schedule = kochSchedule({
    learningRate: config.learningRate,
    epochSteps: config.epochSteps,
    decay: config.lrDecay,
    finalMomentum: config.momentum,
    momentumEpochs: config.momentumEpochs,
  });
  return config.optimizer === "sgd"
    ? new SgdMomentum({ schedule, weightDecay })
    : new Adam({ schedule, weightDecay });
}

/** Loss and validation accuracy against steps. */
export function trainingCurveFigure(
  history: readonly HistoryPoint[],
  name = "siamese_training",
  title = "Siamese net (BCE): training",
): Figure {
  const points = history.filter((h) => h.accuracy !== undefined);
  return {
    name,
    title,
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        name: "training loss",
        x: points.map((h) => h.step),
        y: points.map((h) => h.loss),
        yaxis: "y",
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation 20-way accuracy (%)",
        x: points.map((h) => h.step),
        y: points.map((h) => h.accuracy),
        yaxis: "y2",
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "weighted BCE" }, rangemode: "tozero" },
      yaxis2: { title: { text: "accuracy (%)" }, overlaying: "y", side: "right", range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}

/** Train (or reuse) the model, then score verification, the one-shot protocols and the N-way curve. */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  const { config, log } = context;
  const cfg = config.siamese;
  const omniglot = await context.data.omniglot();
  const tasks = await context.data.tasks();
  const modelDir = `${context.outDir}/models/siamese`;

  const main = await trainOrReuse(context, {
    dir: modelDir,
    config: cfg,
    hash: siameseConfigHash(trainingKey(cfg), config.seed, config.evaluation.imageSize),
    label: "siamese",
  });
  const { net } = main;
  const similarity = siameseSimilarity(net);

  // Embed every evaluation image any protocol uses, once.
  const sets = verificationSets(omniglot.evaluation, config.seed, cfg.verificationPairs);
  const evalImages = new Set<number>([
    ...sets.validation.left,
    ...sets.validation.right,
    ...sets.test.left,
    ...sets.test.right,
  ]);
  for (const t of [tasks.koch400, ...tasks.nWay]) for (const i of taskImages(t)) evalImages.add(i);
  const evalBank = omniglot.evaluation.images;
  // One batched pass over every evaluation image a protocol uses, per tower.
  const evalCache = (tower: tfl.LayersModel) => {
    const cache = EmbeddingCache.forModel(tower);
    cache.get(evalBank, [...evalImages]);
    return cache;
  };
  const cache = evalCache(net.tower);

  const oneShot: OneShotRow[] = [];
  const row = (task: OneShotTask) =>
    oneShotRow(scoreOneShot(task, taskScores(task, cache, similarity)), {
      experiment: "siamese",
      method: METHOD,
      paperFamily: "siamese",
    });
  oneShot.push(row(tasks.lakeRuns));
  oneShot.push(row(tasks.koch400));
  for (const t of tasks.nWay) oneShot.push(row(t));
  for (const r of oneShot.filter((r) => r.protocol !== "n-way")) {
    log(
      `  ${METHOD} ${r.dataset}/${r.protocol} ${r.ways}-way: ${r.accuracy.toFixed(2)}% [${
        r.ci_low.toFixed(1)
      }, ${r.ci_high.toFixed(1)}]`,
    );
  }

  const verification: VerificationRow[] = [];
  const mainVerification = verify(cache, evalBank, sets, similarity);
  verification.push(
    verificationRow(
      METHOD,
      main.meta.training.steps * main.meta.training.pairsPerStep,
      cfg.distortions,
      mainVerification,
      false,
    ),
  );
  log(
    `  ${METHOD} verification: ${mainVerification.accuracy.toFixed(2)}% (AUC ${
      mainVerification.auc.toFixed(4)
    }, EER ${mainVerification.eer.toFixed(2)}%)`,
  );

  // Table 1: one model per (training pairs, distortions) point, trained on a fixed pool.
  const table1: Record<string, unknown>[] = [];
  for (const trainPairs of cfg.table1.trainPairs) {
    for (const distortions of cfg.table1.distortions) {
      const point = { ...cfg.table1, trainPairs, distortions };
      const tag = `${trainPairs}-${distortions ? "distorted" : "plain"}`;
      const trained = await trainOrReuse(context, {
        dir: `${modelDir}/table1/${tag}`,
        config: cfg,
        hash: siameseConfigHash(
          { ...cfg, table1Point: point },
          config.seed,
          config.evaluation.imageSize,
        ),
        label: `siamese table1 ${tag}`,
        table1: { trainPairs, distortions },
      });
      const v = verify(
        evalCache(trained.net.tower),
        evalBank,
        sets,
        siameseSimilarity(trained.net),
      );
      verification.push(verificationRow(TABLE1_METHOD, trainPairs, distortions, v, true));
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
        reused: trained.reused,
        seconds: trained.meta.training.seconds,
      });
      disposeNet(trained.net);
    }
  }

  const figures = [
    nWayCurveFigure(oneShot, "siamese_n_way"),
    trainingCurveFigure(main.meta.history),
  ];
  const t = main.meta.training;
  const details = {
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
  };
  disposeNet(net);
  return { oneShot, verification, figures, details };
}

async function trainOrReuse(
  context: ExperimentContext,
  options: {
    dir: string;
    config: SiameseConfig;
    hash: string;
    label: string;
    table1?: { trainPairs: number; distortions: boolean };
  },
): Promise<{ net: SiameseNet; meta: SiameseMeta; reused: boolean }> {
  const { dir, config, hash } = options;
  if (await exists(`${dir}/siamese.json`)) {
    try {
      const saved = await loadSiamese(dir);
      if (saved.meta.configHash === hash) {
        context.log(`  ${options.label}: reusing the saved model in ${dir} (config ${hash})`);
        return { ...saved, reused: true };
      }
      disposeNet(saved.net);
      context.log(
        `  ${options.label}: the saved model in ${dir} has another configuration; retraining`,
      );
    } catch (err) {
      context.log(
        `  ${options.label}: cannot load the saved model in ${dir} (${
          (err as Error).message
        }); retraining`,
      );
    }
  }
  const omniglot = await context.data.omniglot();
  const rng = options.table1
    ? context.rng.fork(`table1/${options.table1.trainPairs}/${options.table1.distortions}`)
    : context.rng;
  const pool = options.table1
    ? {
      // The pool's pairs span all 30 background alphabets, half same, half different.
      pairs: verificationPairs(omniglot.background, rng.fork("pool"), {
        pairs: options.table1.trainPairs,
        alphabets: omniglot.background.alphabets.map((a) => a.name),
      }),
      batchPairs: config.table1.batchPairs,
      distortions: options.table1.distortions,
    }
    : undefined;
  const checkpointPath = `${dir}/checkpoint.bin`;
  const { net, result, pairsPerStep } = await trainSiamese({
    config,
    background: omniglot.background,
    evaluation: omniglot.evaluation,
    rng,
    pool,
    limits: options.table1 ? config.table1 : undefined,
    checkpoint: { path: checkpointPath, configHash: hash },
    label: options.label,
    log: context.log,
    quiet: context.quiet,
  });
  const { history, ...summary } = result;
  const meta: SiameseMeta = {
    configHash: hash,
    seed: context.config.seed,
    config: options.table1 ? { ...config, table1Point: options.table1 } : config,
    training: { ...summary, pairsPerStep, params: countParams(net.tower) + countParams(net.head) },
    history,
  };
  await saveSiamese(net, dir, meta);
  await Deno.remove(checkpointPath).catch(() => {});
  context.log(
    `  ${options.label}: ${result.steps} steps in ${result.seconds.toFixed(0)}s (${
      result.examplesPerSecond.toFixed(0)
    } pairs/s, ` +
      `stopped by ${result.stoppedBy}), best validation ${
        result.bestAccuracy.toFixed(1)
      }% at step ${result.bestStep}`,
  );
  return { net, meta, reused: false };
}

function verify(
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

function verificationRow(
  method: string,
  trainPairs: number,
  distortions: boolean,
  v: VerificationResult,
  table1: boolean,
): VerificationRow {
  const paper = table1
    ? PAPER_VERIFICATION.find((p) => p.trainPairs === trainPairs && p.distortions === distortions)
      ?.accuracy
    : undefined;
  return {
    experiment: "siamese",
    method,
    train_pairs: trainPairs,
    distortions,
    test_pairs: v.testPairs,
    accuracy: Math.round(v.accuracy * 100) / 100,
    threshold: v.threshold,
    auc: v.auc,
    eer: Math.round(v.eer * 100) / 100,
    paper_accuracy: paper,
  };
}

/** Free the tower and head weights of a Siamese net. */
export function disposeNet(net: SiameseNet): void {
  net.tower.dispose();
  net.head.dispose();
}
