/**
 * The hash of everything that decides a trained model's weights, per kind of model: a saved
 * model is reused when its record's `configHash` equals the hash of the configuration now asked
 * for (model_store.ts). The keys are what older runs hashed (field names and order as they were,
 * settings added since named only when set), so their saved models stay valid; training code
 * changes that alter results bump a key's `version`.
 */
import type { RunConfig } from "../config.ts";
import { sameTowerConfig } from "./same_tower_config.ts";
import { table1Config } from "./table1_budget.ts";
import { digest } from "../data/files.ts";
import type { Table1Point } from "./model_store.ts";

function hash16(key: unknown): string {
  return digest(new TextEncoder().encode(JSON.stringify(key))).slice(0, 16);
}

/** The images every model is trained on: their side, and the ink box and deskew only when set. */
function imageKey(config: RunConfig): { imageSize: number; inkBox?: number; deskew?: number } {
  const { imageSize, inkBox, deskew } = config.evaluation;
  return {
    imageSize,
    ...(inkBox === undefined ? {} : { inkBox }),
    ...(deskew === undefined ? {} : { deskew }),
  };
}

/**
 * The hash of everything that decides the Siamese net's weights: its training settings,
 * the seed and the image size. With `point`, the hash of that Table 1 model (whose key holds
 * the whole Siamese block, verification pairs and Table 1 included, and the point).
 *
 * The keys keep the field names and order of the config as it was when the hashes were
 * introduced (`epochSteps` for `decayEvery`; `verificationPairs` inside the method's block),
 * so that models saved then are still recognised.
 */
export function siameseHash(config: RunConfig, point?: Table1Point): string {
  const s = config.siamese;
  const training = {
    tower: s.tower,
    batchCharacters: s.batchCharacters,
    batchDrawings: s.batchDrawings,
    batchPerAlphabet: s.batchPerAlphabet,
    sameAlphabetWeight: s.sameAlphabetWeight,
    focus: s.focus,
    steps: s.steps,
    validateEvery: s.validateEvery,
    patience: s.patience,
    optimizer: s.optimizer,
    learningRate: s.learningRate,
    epochSteps: s.decayEvery,
    lrDecay: s.lrDecay,
    momentum: s.momentum,
    momentumEpochs: s.momentumEpochs,
    l2: s.l2,
    distortions: s.distortions,
    maxSeconds: s.maxSeconds,
    // Set by one-shot-only slices only (fewer validation tasks pick other best weights);
    // named only when set, so the profiles' hashes stay what they were (as tripletHash).
    ...(s.validationTrialsPerAlphabet === undefined
      ? {}
      : { validationTrialsPerAlphabet: s.validationTrialsPerAlphabet }),
    // Study settings: JSON leaves an unset (undefined) one out, so the profiles' hashes stay.
    quarterTurns: s.quarterTurns,
    // Table 1's models draw from their fixed pools of pairs (samplePoolBatch), never thickened.
    thickStrokes: point ? undefined : s.thickStrokes,
    elastic: point ? undefined : s.elastic,
    erasing: point ? undefined : s.erasing,
    normalizedFeatures: s.normalizedFeatures,
    pairMining: s.pairMining,
    head: s.head,
    weightAverage: s.weightAverage,
    sharpness: s.sharpness,
    mirrors: s.mirrors,
    lrSchedule: s.lrSchedule,
    tripletWeight: s.tripletWeight,
    trainingAlphabets: s.trainingAlphabets,
  };
  const key = point
    ? {
      ...training,
      verificationPairs: config.evaluation.verificationPairs,
      table1: s.table1,
      table1Point: { ...s.table1, ...point },
    }
    : training;
  // Training code changes that alter results bump this version.
  return hash16({
    version: 1,
    config: key,
    seed: config.seed,
    ...imageKey(config),
  });
}

/**
 * The hash of everything that decides the `same-tower` experiment's Siamese net: the whole
 * derived config (`sameTowerConfig`: the Siamese block's training settings, the triplet's tower,
 * embedding width, steps, validation interval and patience, its own time net) but Table 1's
 * models, which it does not train, and the chunk size, which changes only float rounding.
 */
export function sameTowerHash(config: RunConfig): string {
  const { table1: _table1, chunkImages: _chunk, ...training } = sameTowerConfig(config);
  return hash16({
    // Training code changes that alter results bump this version.
    version: 1,
    experiment: "same-tower",
    seed: config.seed,
    ...imageKey(config),
    config: training,
  });
}

/**
 * The hash of everything that decides a model of the `table1` experiment: the Siamese block's
 * training settings (tower, loss, optimiser, rate schedule) but the main net's limits and Table 1
 * block, which it does not use, and the chunk size (float rounding only); its point; and the
 * budget `table1Config` derives, but the point lists, so adding a point keeps the others' models.
 */
export function table1ExperimentHash(config: RunConfig, point: Table1Point): string {
  const {
    table1: _table1,
    chunkImages: _chunk,
    steps: _steps,
    validateEvery: _validateEvery,
    patience: _patience,
    maxSeconds: _maxSeconds,
    ...training
  } = config.siamese;
  const { trainPairs: _pairs, distortions: _distortions, ...budget } = table1Config(config);
  return hash16({
    // Training code changes that alter results bump this version.
    version: 1,
    experiment: "table1",
    seed: config.seed,
    ...imageKey(config),
    config: training,
    budget,
    // The point's two fields only, whatever else the object passed carries.
    point: { trainPairs: point.trainPairs, distortions: point.distortions },
  });
}

/**
 * The hash of everything that decides a miner's triplet embedding (the miner list left out).
 * Its key keeps the field order the hashes were introduced with, and names the decay interval
 * only where it differs from `validateEvery` (which set it then), so saved models stay valid.
 */
export function tripletHash(config: RunConfig, miner: string): string {
  const t = config.triplet;
  return hash16({
    // Training code changes that alter results bump this version.
    version: 1,
    miner,
    seed: config.seed,
    ...imageKey(config),
    triplet: {
      tower: t.tower,
      embeddingDim: t.embeddingDim,
      embeddingBatchNorm: t.embeddingBatchNorm,
      batchCharacters: t.batchCharacters,
      batchDrawings: t.batchDrawings,
      batchPerAlphabet: t.batchPerAlphabet,
      distance: t.distance,
      loss: t.loss,
      steps: t.steps,
      validateEvery: t.validateEvery,
      patience: t.patience,
      margin: t.margin,
      learningRate: t.learningRate,
      lrDecay: t.lrDecay,
      ...(t.decayEvery === t.validateEvery ? {} : { decayEvery: t.decayEvery }),
      distortions: t.distortions,
      collapsePatience: t.collapsePatience,
      verificationPairs: config.evaluation.verificationPairs,
      maxSeconds: t.maxSeconds,
      // Set by one-shot-only slices only (fewer validation tasks pick other best weights);
      // named only when set, so the profiles' hashes stay what they were.
      ...(t.validationTrialsPerAlphabet === undefined
        ? {}
        : { validationTrialsPerAlphabet: t.validationTrialsPerAlphabet }),
      // JSON leaves it out when unset, so the hashes of models saved before it stay.
      quarterTurns: t.quarterTurns,
      thickStrokes: t.thickStrokes,
      elastic: t.elastic,
      erasing: t.erasing,
      weightAverage: t.weightAverage,
      sharpness: t.sharpness,
      mirrors: t.mirrors,
      lrSchedule: t.lrSchedule,
      l2: t.l2,
      doppelgangers: t.doppelgangers,
      trainingAlphabets: t.trainingAlphabets,
    },
  });
}
