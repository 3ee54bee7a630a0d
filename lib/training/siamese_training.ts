/**
 * Training Koch et al.'s Siamese net (sections 3.1-3.2): P x K batches from the background
 * alphabets scored on all their pairs (or minibatches from a fixed pool of labelled pairs,
 * Table 1's setting), with the affine distortions, the configured optimiser and L2 on the
 * kernels, and early stopping on 320 one-shot validation tasks.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { SiameseConfig } from "../config.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { validationTask } from "../episodes/validation_task.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { siameseTaskScores } from "../evaluation/siamese_scores.ts";
import { type ImagePairs, verificationPairs } from "../evaluation/verification.ts";
import { buildSiamese, disposeNet, type SiameseNet } from "../models/siamese_net.ts";
import type { Rng } from "../rng.ts";
import { KOCH_DISTORTIONS } from "./augment.ts";
import { blockAugmentations, sampleBatch } from "./batches.ts";
import { train, type TrainResult } from "./loop.ts";
import { allPairs, differenceMatrix, type PairSet, samplePoolBatch } from "./pairs.ts";
import { Adam, kernelDecay, type Optimizer, SgdMomentum, trainingSchedule } from "./schedules.ts";
import { siameseLossWithTerm, tripletTerm, tripletTermProblem } from "./siamese_triplet_term.ts";
import { dropoutProblem } from "../models/seeded_dropout.ts";
import { firstAlphabets } from "../data/alphabet_subset.ts";
import { chunkedModelGradients } from "./gradient_cache.ts";
import { siameseAhead } from "./siamese_ahead.ts";
import { readAhead } from "./read_ahead.ts";
import { trainsWithoutSyncReads } from "../backends/host_reads.ts";

/** Table 1's training set: a fixed pool of labelled pairs, sampled in minibatches. */
export interface PairPool {
  /** Indices into the background images. */
  pairs: ImagePairs;
  /** Pairs per minibatch. */
  batchPairs: number;
  /** Whether each minibatch is distorted (Koch et al.'s affine distortions). */
  distortions: boolean;
}

/**
 * Table 1's pool of `trainPairs` labelled pairs (Koch et al. section 4.1): drawn from all 30
 * background alphabets, half same, half different, from `rng.fork("pool")`.
 */
export function fixedPairPool(
  background: OmniglotSplit,
  rng: Rng,
  point: { trainPairs: number; distortions: boolean },
  batchPairs: number,
): PairPool {
  return {
    pairs: verificationPairs(background, rng.fork("pool"), {
      pairs: point.trainPairs,
      alphabets: background.alphabets.map((a) => a.name),
    }),
    batchPairs,
    distortions: point.distortions,
  };
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
  pool?: PairPool;
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
  const { config, evaluation, rng } = options;
  if (options.pool && config.trainingAlphabets !== undefined) {
    throw new RangeError(
      "trainingAlphabets cuts the P x K batches' alphabets; a fixed pool of pairs names its own images",
    );
  }
  // The background alphabets it trains on: all of them unless a study cuts them.
  const background = firstAlphabets(options.background, config.trainingAlphabets);
  const size = config.tower.inputSize;
  if (background.images.size !== size) {
    throw new RangeError(
      `trainSiamese: images are ${background.images.size}px but the tower ${config.tower.name} takes ${size}px`,
    );
  }
  // Refused before the net is built, so that a refused call leaves no weights behind.
  const term = tripletTerm(config.tripletWeight);
  const termProblem = tripletTermProblem(config, options.pool !== undefined);
  if (termProblem) throw new RangeError(termProblem);
  const dropoutRefusal = dropoutProblem(config);
  if (dropoutRefusal) throw new RangeError(dropoutRefusal);
  const net = buildSiamese(config.tower, rng.fork("init"), {
    normalizedFeatures: config.normalizedFeatures,
    head: config.head,
  });
  // Whatever throws from here on (a schedule or validation task the settings cannot make, a
  // diverging run) disposes the net: the caller gets none, so a failed run leaves no weights
  // behind.
  let optimizer: Optimizer | undefined;
  try {
    const batchRoot = rng.fork("batches");
    const P = config.batchCharacters, K = config.batchDrawings;

    // Each step's batch comes from a stream named after the step, so a resumed run draws the same batches.
    const sample = (step: number) => {
      const r = batchRoot.fork(String(step));
      let images: Float32Array, count: number, pairs: PairSet, labels: Int32Array | undefined;
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
          turns: config.quarterTurns,
          mirrors: config.mirrors,
          ...blockAugmentations(config),
        });
        ({ images, count, labels } = b);
        pairs = allPairs(b.labels, {
          alphabets: b.alphabets,
          sameAlphabetWeight: config.sameAlphabetWeight,
        });
      }
      return { images, count, pairs, labels };
    };
    const tensors = ({ images, count, pairs, labels }: ReturnType<typeof sample>) => {
      const n = pairs.left.length;
      return {
        images: tf.tensor4d(images, [count, size, size, 1]),
        difference: tf.tensor2d(differenceMatrix(pairs, count), [n, count]),
        target: tf.tensor2d(Float32Array.from(pairs.same), [n, 1]),
        weight: tf.tensor2d(pairs.weight, [n, 1]),
        same: pairs.same,
        weights: pairs.weight,
        left: pairs.left,
        right: pairs.right,
        labels,
      };
    };
    // On a backend that cannot read inside the taped step (webgpu), hardest-pair mining and the
    // triplet term choose from values read ahead of it (siamese_ahead.ts).
    const hardest = config.pairMining === "hardest";
    const ahead = readAhead(sample, async (drawn) => {
      const b = tensors(drawn);
      try {
        return await siameseAhead({
          net,
          batch: b,
          hardest,
          term,
          chunkImages: config.chunkImages,
        });
      } finally {
        tf.dispose([b.images, b.difference, b.target, b.weight]);
      }
    });
    const batch = (step: number) => {
      const { drawn, read } = ahead.take(step);
      return { ...tensors(drawn), ...read };
    };
    const pairsPerStep = options.pool ? options.pool.batchPairs : (P * K * (P * K - 1)) / 2;

    const valTask = validationTask(
      evaluation,
      rng.fork("validation"),
      config.validationTrialsPerAlphabet,
    );
    const validate = () => scoreOneShot(valTask, siameseTaskScores(net, valTask)).accuracy;

    const limits = options.limits ?? config;
    const lossOptions = { focus: config.focus, mining: config.pairMining };
    // The loss from the tower's features of a batch, whole or gathered chunk by chunk.
    const lossOfFeatures = (features: tf.Tensor2D, b: ReturnType<typeof batch>) =>
      siameseLossWithTerm(net.head, features, b, lossOptions, term);
    // A cosine schedule falls to 0 at the steps this model trains for (Table 1's own limits).
    optimizer = makeOptimizer({ ...config, steps: limits.steps }, [net.tower, net.head]);
    const result = await train({
      models: [net.tower, net.head],
      optimizer,
      batch,
      prepare: trainsWithoutSyncReads() && (hardest || term) ? ahead.prepare : undefined,
      loss: (b) =>
        tf.tidy(() =>
          lossOfFeatures(net.tower.apply(b.images, { training: true }) as tf.Tensor2D, b)
        ),
      // A chunk size set: the memory-bounded step (same gradient, tower run chunk by chunk).
      gradients: config.chunkImages
        ? (b) =>
          chunkedModelGradients(
            net.tower,
            b.images,
            config.chunkImages!,
            (f) => lossOfFeatures(f as tf.Tensor2D, b),
            net.head.trainableWeights.map((w) => w.read() as tf.Variable),
          )
        : undefined,
      imagesPerPass: config.chunkImages,
      validate,
      averageDecay: config.weightAverage,
      sharpness: config.sharpness,
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
    });
    return { net, result, pairsPerStep };
  } catch (err) {
    disposeNet(net);
    throw err;
  } finally {
    optimizer?.dispose();
  }
}

/** The configured optimiser; L2 (section 3.1) applies to kernels only, not biases or batch-norm parameters. */
export function makeOptimizer(config: SiameseConfig, models: tfl.LayersModel[]): Optimizer {
  const weights = models.flatMap((m) => m.trainableWeights);
  const weightDecay = kernelDecay(weights, config.l2);
  const schedule = trainingSchedule(config, {
    finalMomentum: config.momentum,
    momentumEpochs: config.momentumEpochs,
  });
  return config.optimizer === "sgd"
    ? new SgdMomentum({ schedule, weightDecay })
    : new Adam({ schedule, weightDecay });
}
