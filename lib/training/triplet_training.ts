/**
 * Training an embedding with a triplet loss (FaceNet, Schroff et al. 2015; batch-hard of
 * Hermans et al. 2017) on P x K batches of the background alphabets, through the shared
 * training loop. Around the loop's loss this adds what triplets need watching: which kinds
 * of triplets the batches hold (hard / semi-hard / easy, FaceNet section 3.2) as training
 * goes, and whether the embedding has collapsed (then training stops, keeping the best
 * weights validated before the collapse).
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { TripletConfig } from "../config.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { distanceByName } from "../distances/by_name.ts";
import type { Distance } from "../distances/distance.ts";
import { EmbeddingCache, embeddingScores } from "../evaluation/embedding_eval.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { TripletMarginLoss } from "../losses/triplet_margin.ts";
import { SoftMarginLoss } from "../losses/soft_margin.ts";
import { TripletSoftmaxLoss } from "../losses/triplet_softmax.ts";
import { NormalizedSoftmax } from "../losses/normalized_softmax.ts";
import type { TripletLoss } from "../losses/triplet_loss.ts";
import { minerByName } from "../miners/by_name.ts";
import { countTripletKinds } from "../miners/triplet_kinds.ts";
import { buildEmbeddingNet } from "../models/embedding.ts";
import type { Rng } from "../rng.ts";
import {
  type Batch,
  batchLabelCount,
  batchTensor,
  blockAugmentations,
  sampleBatch,
} from "./batches.ts";
import { chunkedModelGradients } from "./gradient_cache.ts";
import { mineAhead, type MinedAhead } from "./mine_ahead.ts";
import { doppelgangerProblem, DoppelgangerSampler } from "./doppelgangers.ts";
import { dropoutProblem } from "../models/seeded_dropout.ts";
import { firstAlphabets } from "../data/alphabet_subset.ts";
import { readAhead } from "./read_ahead.ts";
import { trainsWithoutSyncReads } from "../backends/host_reads.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { validationTask } from "../episodes/validation_task.ts";
import { CollapseMonitor, type CollapseRecord } from "./collapse.ts";
import { setWeights, train, type TrainResult } from "./loop.ts";
import { Adam, kernelDecay, trainingSchedule } from "./schedules.ts";

/** The embedding stopped separating anything for `patience` steps in a row. */
export class EmbeddingCollapsedError extends Error {
  readonly record: CollapseRecord;
  constructor(record: CollapseRecord) {
    super(
      `the embedding collapsed: from step ${record.firstStep} to ${record.lastStep} every distance in the batch was ` +
        `(nearly) equal and the loss stuck at its collapsed value`,
    );
    this.name = "EmbeddingCollapsedError";
    this.record = record;
  }
}

/** Fractions of the batches' valid triplets of each kind, averaged since the previous point. */
export interface TripletKindsPoint {
  /** Steps completed. */
  step: number;
  hard: number;
  semiHard: number;
  easy: number;
  /** Mean fraction of mined triplets with a non-zero loss. */
  active: number;
}

/** Options of {@link trainTripletEmbedding}. */
export interface TripletTrainingOptions {
  config: TripletConfig;
  /** Miner name (`batch-hard`, `semi-hard`, `batch-all`, `random`). */
  miner: string;
  /** Training split (background alphabets only). */
  background: OmniglotSplit;
  /** Split holding the validation alphabets (images_evaluation). */
  evaluation: OmniglotSplit;
  /** Stream of this model: initial weights, batches, validation episodes, random miner. */
  rng: Rng;
  /** Checkpoint to resume from and write; strongly advised (collapse recovery reads it). */
  checkpoint?: { path: string; configHash: string };
  /** Record the triplet kinds every this many steps (default: every step). */
  kindsEvery?: number;
  log?: (line: string) => void;
  quiet?: boolean;
  now?: () => number;
}

/** What {@link trainTripletEmbedding} returns. */
export interface TripletTrainingResult {
  model: tfl.Sequential;
  distance: Distance;
  /** The loop's result; `stoppedBy` is `collapse` when a persistent collapse ended training. */
  train: Omit<TrainResult, "stoppedBy"> & { stoppedBy: TrainResult["stoppedBy"] | "collapse" };
  kinds: TripletKindsPoint[];
  /** Set when the embedding collapsed at some point (`persistent` when it stopped training). */
  collapse?: CollapseRecord;
}

/** The loss `config` names, over `distance`. */
export function tripletLoss(config: TripletConfig, distance: Distance): TripletLoss {
  switch (config.loss) {
    case "soft-margin":
      return new SoftMarginLoss({ distance });
    case "softmax":
      return new TripletSoftmaxLoss({
        distance,
        scale: config.softmaxScale ?? DEFAULT_SOFTMAX_SCALE,
      });
    default:
      return new TripletMarginLoss({ distance, margin: config.margin });
  }
}

/**
 * The loss `config` trains with, in words for the log: the margin only where the margin loss uses
 * it, the scale where the softmax does, and the classification term when it is on.
 */
export function describeTripletLoss(config: TripletConfig): string {
  const main = config.loss === "soft-margin"
    ? "soft-margin loss"
    : config.loss === "softmax"
    ? `softmax loss (scale ${config.softmaxScale ?? DEFAULT_SOFTMAX_SCALE})`
    : `margin loss (alpha ${config.margin})`;
  const classWeight = config.classWeight ?? 0;
  return classWeight > 0
    ? `${main} + ${classWeight} x classification (scale ${
      config.classScale ?? DEFAULT_CLASS_SCALE
    })`
    : main;
}

/**
 * Scale of the `softmax` loss's logits when `softmaxScale` is unset: supervised contrastive
 * learning's temperature 0.1 on cosines (Khosla et al. 2020), since on unit vectors cos / 0.1 =
 * 10 - 5 d for the squared distance d. Set a priori, not on validation.
 */
export const DEFAULT_SOFTMAX_SCALE = 5;

/** Scale of the classification's cosine logits when `classScale` is unset. */
export const DEFAULT_CLASS_SCALE = 16;

/** Train one embedding net with one miner; the best validated weights are in `model` at the end. */
export async function trainTripletEmbedding(
  options: TripletTrainingOptions,
): Promise<TripletTrainingResult> {
  const { config, rng } = options;
  const log = options.log ?? (() => {});
  // The background alphabets it trains on: all of them unless a study cuts them.
  const background = firstAlphabets(options.background, config.trainingAlphabets);
  const distance = distanceByName(config.distance);
  const loss = tripletLoss(config, distance);
  const miner = minerByName(options.miner, {
    margin: config.margin,
    rng: rng.fork("random-miner"),
  });
  const monitor = new CollapseMonitor({ loss, patience: config.collapsePatience });
  // Refused before the net is built, so that a refused call leaves no weights behind.
  const classWeight = config.classWeight ?? 0;
  if (!(Number.isFinite(classWeight) && classWeight >= 0)) {
    throw new RangeError(`classWeight must be a number >= 0, got ${classWeight}`);
  }
  if (classWeight > 0 && config.chunkImages) {
    throw new RangeError(
      "classWeight cannot be combined with chunkImages: the memory-bounded step trains the embedding net only",
    );
  }
  const dropoutRefusal = dropoutProblem(config);
  if (dropoutRefusal) throw new RangeError(dropoutRefusal);
  const doppelgangerRefusal = doppelgangerProblem(config);
  if (doppelgangerRefusal) throw new RangeError(doppelgangerRefusal);
  const schedule = trainingSchedule(config, { finalMomentum: 0, momentumEpochs: 0 });
  const model = buildEmbeddingNet(config.tower, {
    dimension: config.embeddingDim,
    batchNorm: config.embeddingBatchNorm,
    rng: rng.fork("init"),
  });
  // The L2 weight (0 when unset: no term) on the embedding net's kernels only: not biases,
  // normalisation parameters or the class proxies (which come after the net's weights).
  const optimizer = new Adam({
    schedule,
    weightDecay: kernelDecay(model.trainableWeights, config.l2 ?? 0),
  });
  // Whatever throws from here on (settings the proxies or the sampler refuse, a validation task
  // that cannot be drawn, a diverging run) disposes the net: the caller gets none, so a failed run
  // leaves no weights behind. A collapse returns the best weights validated.
  let classifier: NormalizedSoftmax | null = null;
  try {
    classifier = classWeight > 0
      ? new NormalizedSoftmax({
        classes: batchLabelCount(background.characters.length, {
          turns: config.quarterTurns,
          mirrors: config.mirrors,
        }),
        dimension: config.embeddingDim,
        scale: config.classScale ?? DEFAULT_CLASS_SCALE,
        rng: rng.fork("class-proxies"),
      })
      : null;
    const validation = validationTask(
      options.evaluation,
      rng.fork("validation"),
      config.validationTrialsPerAlphabet,
    );
    const batches = rng.fork("batches");
    const kindsEvery = options.kindsEvery ?? 1;
    const kinds: TripletKindsPoint[] = [];
    let window = { hard: 0, semiHard: 0, easy: 0, active: 0, steps: 0 };
    let collapse: CollapseRecord | undefined;
    let warned = false;

    const flushKinds = (step: number) => {
      if (window.steps === 0) return;
      const total = window.hard + window.semiHard + window.easy;
      kinds.push({
        step,
        hard: window.hard / total,
        semiHard: window.semiHard / total,
        easy: window.easy / total,
        active: window.active / window.steps,
      });
      window = { hard: 0, semiHard: 0, easy: 0, active: 0, steps: 0 };
    };

    const augmentations = { ...blockAugmentations(config), drawings: config.batchDrawings };
    // Doppelganger batches: the characters placed afresh under the current weights every
    // validation interval (and at the first batch drawn, wherever training starts).
    const doppelgangers = config.doppelgangers === undefined ? null : new DoppelgangerSampler({
      split: background,
      turns: config.quarterTurns ?? 1,
      neighbours: config.doppelgangers,
    });
    const makeBatch = (step: number) => {
      const r = batches.fork(String(step));
      if (!doppelgangers) {
        return sampleBatch(background, r, {
          ...augmentations,
          characters: config.batchCharacters,
          perAlphabet: config.batchPerAlphabet,
          turns: config.quarterTurns,
          mirrors: config.mirrors,
        });
      }
      if (!doppelgangers.ready || step % config.validateEvery === 0) {
        doppelgangers.refresh(model, rng.fork(`doppelgangers/${step}`));
      }
      return doppelgangers.batch(r, config.batchCharacters, augmentations);
    };

    // On a backend that cannot read inside the taped step (webgpu) each batch is mined ahead.
    const ahead = readAhead(makeBatch, (batch) =>
      mineAhead({
        model,
        loss,
        miner,
        images: () => batchTensor(batch),
        labels: batch.labels,
        chunkImages: config.chunkImages,
      }));

    // The triplet loss plus the class proxies' term, when there are proxies.
    const withClassLoss = (tripletLoss: tf.Scalar, embeddings: tf.Tensor2D, batch: Batch) =>
      classifier
        ? tf.add(
          tripletLoss,
          tf.mul(classifier.loss(embeddings, batch.labels), classWeight),
        ) as tf.Scalar
        : tripletLoss;

    // The loss of a batch from its embeddings (whole batch): mining, kinds, collapse watch.
    const lossOfEmbeddings = (
      step: number,
      batch: Batch,
      embeddings: tf.Tensor2D,
      mined: MinedAhead | undefined,
      moved = false,
    ) => {
      const out = loss.compute(embeddings, batch.labels, miner, mined);
      // A sharpness-aware step's second pass: the step was counted and watched at its own weights.
      if (moved) return withClassLoss(out.loss, embeddings, batch);
      const value = mined ? mined.value : out.loss.dataSync()[0];
      const input = { distances: out.distances, labels: batch.labels };
      if (step % kindsEvery === 0) {
        const k = countTripletKinds(input, config.margin);
        window.hard += k.hard;
        window.semiHard += k.semiHard;
        window.easy += k.easy;
        window.active += out.activeFraction;
        window.steps++;
      }
      if ((step + 1) % config.validateEvery === 0) flushKinds(step + 1);
      const status = monitor.observe(step, { loss: value, distances: out.distances });
      if (status.collapsed) {
        collapse = monitor.record;
        if (!warned) {
          warned = true;
          log(
            `  warning: the embedding looks collapsed at step ${step} (distance spread ${
              status.spread.toExponential(2)
            }, loss ${value.toFixed(4)} at its collapsed value ${loss.collapsedLoss.toFixed(4)})`,
          );
        }
        if (status.persistent) throw new EmbeddingCollapsedError(monitor.record!);
      }
      return withClassLoss(out.loss, embeddings, batch);
    };

    const run = () =>
      train<{ step: number; batch: Batch; mined?: MinedAhead }>({
        models: classifier ? [model, classifier.model] : [model],
        optimizer,
        batch: (step) => {
          const { drawn, read } = ahead.take(step);
          return { step, batch: drawn, mined: read };
        },
        prepare: trainsWithoutSyncReads() ? ahead.prepare : undefined,
        loss: ({ step, batch, mined }, moved) =>
          lossOfEmbeddings(
            step,
            batch,
            model.apply(batchTensor(batch), { training: true }) as tf.Tensor2D,
            mined,
            moved,
          ),
        // A chunk size set: the memory-bounded step (the miners still see the whole batch).
        gradients: config.chunkImages
          ? ({ step, batch, mined }, moved) =>
            chunkedModelGradients(
              model,
              batchTensor(batch),
              config.chunkImages!,
              (e) => lossOfEmbeddings(step, batch, e as tf.Tensor2D, mined, moved),
            )
          : undefined,
        imagesPerPass: config.chunkImages,
        validate: () => {
          const cache = EmbeddingCache.forModel(model);
          return scoreOneShot(validation, embeddingScores(validation, { cache, distance }))
            .accuracy;
        },
        averageDecay: config.weightAverage,
        sharpness: config.sharpness,
        steps: config.steps,
        validateEvery: config.validateEvery,
        patience: config.patience,
        maxSeconds: config.maxSeconds,
        checkpoint: options.checkpoint,
        examplesPerStep: config.batchCharacters * config.batchDrawings,
        label: `triplet-${options.miner}`,
        log,
        quiet: options.quiet,
        now: options.now,
      });

    try {
      const result = await run();
      flushKinds(result.steps);
      return { model, distance, train: result, kinds, collapse };
    } catch (err) {
      if (!(err instanceof EmbeddingCollapsedError)) throw err;
      log(`  ${err.message}; training stopped`);
      // The loop's last checkpoint holds the best weights validated before the collapse.
      const saved = options.checkpoint
        ? await loadCheckpoint(options.checkpoint.path, options.checkpoint.configHash)
        : null;
      if (saved?.early.bestWeights) setWeights([model], saved.early.bestWeights);
      const history = saved?.history ?? [];
      flushKinds(err.record.lastStep + 1);
      return {
        model,
        distance,
        kinds,
        collapse: err.record,
        train: {
          steps: err.record.lastStep + 1,
          stoppedBy: "collapse",
          bestStep: saved?.early.bestStep ?? -1,
          bestAccuracy: saved?.early.bestAccuracy ?? NaN,
          history,
          seconds: history.at(-1)?.seconds ?? NaN,
          resumedFrom: 0,
          examplesPerSecond: NaN,
        },
      };
    }
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    classifier?.dispose();
  }
}
