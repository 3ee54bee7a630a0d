/**
 * The profiles' typed defaults, each with its reason: standard, and quick and paper as changes to
 * it. `resolveConfig` applies command-line overrides.
 */
import { UsageError } from "./usage_error.ts";
import type { RunConfig } from "./config.ts";
import { type Profile, PROFILES } from "./profile_names.ts";
import type { MinerName } from "./miners/by_name.ts";
import { KOCH_105, STANDARD_35, type TowerSpec } from "./models/koch.ts";
import { QUICK_TOWER, TRIPLET_35 } from "./models/towers.ts";

/**
 * A profile written as changes to another: the blocks (evaluation, siamese, triplet, table1)
 * merge field by field; a tower is a whole architecture and, like any other value, replaces.
 */
type Delta<T> = {
  [K in keyof T]?: T[K] extends unknown[] | TowerSpec ? T[K]
    : T[K] extends object ? Delta<T[K]>
    : T[K];
};

function applyDelta<T>(base: T, delta: Delta<T>): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(delta as Record<string, unknown>)) {
    const current = out[key];
    const block = (v: unknown) =>
      key !== "tower" && typeof v === "object" && v !== null && !Array.isArray(v);
    out[key] = block(value) && block(current)
      ? applyDelta(current, value as never)
      : structuredClone(value);
  }
  return out as T;
}

/** The reference profile: real results on a 2-core CPU in under an hour. */
const STANDARD: RunConfig = {
  profile: "standard",
  seed: 1,
  // The paper's reduced setting (section 4.4): Omniglot downsampled by 3.
  evaluation: {
    imageSize: 35,
    // Each image cut to the square window in which its ink's bounding box takes 0.8 of the side
    // (lib/data/ink_box.ts; not in the paper), so that no model has to learn where and how large
    // a drawer put the character. Full-length studies on validation (koch-val / mnist-val):
    // batch-hard 83.40 / 81.25, 84.70 / 81.80, 83.45 / 82.35 on seeds 1-3 against 82.00, 82.75,
    // 79.85 (mean 83.85 against 81.53, every seed higher; mnist-val 77.75 on seed 1); the Siamese
    // net 77.00 / 79.35 against 72.80 / 74.60; the same-tower net 83.80 / 81.55 against 80.90 /
    // 76.25 (seed 1). The 1-NN baseline keeps the images as released.
    inkBox: 0.8,
    nWays: Array.from({ length: 19 }, (_, i) => i + 2),
    nWayTrialsPerAlphabet: 40,
    mnistTrials: 400,
    verificationPairs: 10_000,
  },
  siamese: {
    tower: STANDARD_35,
    batchCharacters: 16,
    batchDrawings: 4,
    // Checked on validation (`deno task tune`, 2,000-step studies, koch-val, seed 1;
    // docs/studies.md): these settings 64.90% [62.8, 67.0]; 4 or 8 characters
    // per alphabet 63.30 / 66.75, a same-alphabet negative weighted 4x 65.95, no L2 65.70, a
    // 512-wide dense layer 66.90. None is outside the about +-2 points one study's koch-val
    // carries, so the settings stay.
    batchPerAlphabet: 2,
    sameAlphabetWeight: 1,
    // Focal weighting (siamese_loss.ts) and a faster, decaying rate: the standard net scores
    // 70.85% [68.8, 72.8] on koch-val (validation). First picked on lake-runs (a test protocol);
    // now confirmed on validation by the 2,000-step studies: gamma 2 64.90% against 52.20 for the
    // paper's plain cross-entropy (gamma 0) and 65.75 for gamma 4; rate 5e-3 against 60.70 at 2e-3
    // and 65.00 at 1e-2.
    focus: 2,
    // Bounded by steps, not time, so that what the standard run learns does not depend on the
    // machine's speed; 4,750 steps took 7.9 min here at 10.1 steps/s (2 threads, commit 03c7806).
    // 7,000 steps scored no better on validation (koch-val 70.95 against 71.20 at 4,750).
    steps: 4_750,
    validateEvery: 250,
    patience: 12,
    optimizer: "adam",
    learningRate: 5e-3,
    decayEvery: 250,
    lrDecay: 0.95,
    momentum: 0.9,
    momentumEpochs: 10,
    l2: 1e-4,
    distortions: true,
    // A quarter of the training images drawn with thick strokes (thick_strokes.ts), for the
    // transfer to MNIST's broad digits. Chosen on validation (full 4,750-step studies, seed 1):
    // mnist-val 75.45% against 67.70 without, koch-val 71.05 against 71.20; half of them cost
    // koch-val (68.60, mnist-val 73.00).
    thickStrokes: 0.25,
    // Validation, early stopping and the saved net read a running average of the weights
    // (weight_average.ts), not the last step's. Chosen on validation (full 4,750-step studies):
    // koch-val 72.80% against 71.05 on seed 1, 73.85 against 71.70 on seed 2 (mnist-val 74.60
    // and 74.90 against 75.45 on seed 1). The triplet block takes it too (its own comment).
    weightAverage: 0.999,
    // A safety net only, never the bound: 4,750 steps took 15.6-17.6 min here before the batch-norm
    // kernels (7.9 min after), so 40 min leaves room for a machine at 0.6x this one's speed plus a
    // loaded core.
    maxSeconds: 40 * 60,
    table1: {
      trainPairs: [30_000],
      distortions: [false, true],
      batchPairs: 128,
      // About a minute each here (1.2 steps/s): a check of the pipeline at the paper's pair
      // count, bounded by steps so that it too does not depend on the machine's speed.
      steps: 75,
      // A single validation, at the last step, so patience never comes into play here.
      validateEvery: 75,
      patience: 5,
      // A safety net only: 75 steps take about a minute here.
      maxSeconds: 300,
    },
  },
  triplet: {
    tower: TRIPLET_35,
    embeddingDim: 128,
    embeddingBatchNorm: true,
    // 32 characters x 4 drawings, 128 images a step (the same-tower net takes this batch too).
    // Full 5,500-step batch-hard studies on validation with the ink boxes, seeds 1-3: koch-val
    // 84.90 / 85.80 / 87.10% (mean 85.93) against 16 characters' 83.40 / 84.70 / 83.45 (mean
    // 83.85), every seed higher; mnist-val 82.95 / 82.35 / 84.35 against 81.25 / 81.80 / 82.35.
    // At twice the step cost (753-788 s of training against 385-394 s): the gain is the compute
    // (with the images as released, half the steps at this batch, the same compute, read 81.90
    // against the small batch's 81.53).
    batchCharacters: 32,
    batchDrawings: 4,
    // 2,000-step batch-hard studies on validation (koch-val): 2 characters per alphabet 77.20%,
    // 4 79.30, 8 75.80; within the noise of one study, so it stays.
    batchPerAlphabet: 2,
    distance: "squared-l2",
    loss: "margin",
    // Step-bound for reproducible numbers: 5,500 steps take 10-13.5 min per miner here
    // (6.8-9.6 steps/s on 1-2 threads); validation was still rising at 11 min. Twice the steps
    // with the decay stretched to match (11,000, the rate 0.9x every 500; batch-hard, seed 1,
    // 21 min): koch-val 83.25% against 82.00, mnist-val 79.50 against 77.75, inside one study's
    // noise on Omniglot for twice the time, which the hour's run does not have. The same-tower
    // net, which takes these steps, read koch-val 79.45 at 5,500, 81.65 at 11,000 and 79.80 at
    // 22,000 (decay stretched alike): not short of steps either. At 32 x 4 with averaged weights,
    // 8,250 steps (0.9x every 375) read 86.05 against 85.70, its best validation at step 4,250.
    steps: 5_500,
    validateEvery: 250,
    patience: 40,
    // Checked on validation with quarter turns (full-length batch-hard studies, koch-val): 0.1
    // 80.75%, 0.2 82.15, 0.3 81.05.
    margin: 0.2,
    // This rate and decay: koch-val (validation) 79.85% [78.0, 81.5] batch-hard, 79.25% semi-hard
    // at 5,500 steps, before quarter turns (82.15 and 79.95 with them). First picked by a
    // batch-hard run on lake-runs (a test protocol); confirmed on validation by 2,000-step
    // batch-hard studies: 3e-3 77.20% [75.3, 79.0], 1e-3 75.90, 1e-2 67.60.
    learningRate: 3e-3,
    lrDecay: 0.9,
    decayEvery: 250,
    miners: ["batch-hard", "semi-hard"],
    distortions: true,
    // Every background character also in its three quarter turns, as characters of their own
    // (quarter_turns.ts). Chosen on validation (koch-val, full 5,500-step studies): batch-hard
    // 82.15% [80.4, 83.8] against 79.85 without, on seed 2 82.45 against 81.20, on seed 3 82.05
    // against 80.35; semi-hard 79.95 against 79.25. At 2,000 steps it made no difference (77.00
    // against 77.20).
    quarterTurns: 4,
    // Half the training images drawn with thick strokes (thick_strokes.ts), for the transfer to
    // MNIST's broad digits. Chosen on validation (full 5,500-step studies, seed 1): batch-hard
    // mnist-val 77.75% against 70.65 without, koch-val 82.00 against 82.15; semi-hard 75.35
    // against 71.80, koch-val 80.50 against 79.95. (The Siamese net takes a quarter: its block.)
    thickStrokes: 0.5,
    // Validation, early stopping and the saved nets read a running average of the weights
    // (weight_average.ts), as the Siamese block's. Full 5,500-step batch-hard studies on
    // validation, seeds 1-3: koch-val 85.70 / 86.40 / 87.25% (mean 86.45) against 84.90 / 85.80 /
    // 87.10 (mean 85.93), every seed higher; mnist-val 83.00 / 84.45 / 84.25 against 82.95 /
    // 82.35 / 84.35. Before the 32 x 4 batch and the ink boxes it gained nothing (82.35 against
    // 82.00, seed 1). Semi-hard takes it unstudied on its own; in the standard run of b2c2014 it
    // read koch-val 85.00% against 84.65 with its last weights (batch-hard 85.70 against 84.90).
    weightAverage: 0.999,
    collapsePatience: 100,
    // A safety net only, never the bound: 5,500 steps of 128 images take 12.5-15 min here
    // (studies), 25 min at 0.6x this machine's speed.
    maxSeconds: 45 * 60,
  },
};

/** Every code path in minutes: tiny nets, a few hundred steps, no claims. */
const QUICK: RunConfig = applyDelta(STANDARD, {
  profile: "quick",
  // A tiny curve still exercises the n-way loop.
  evaluation: { nWays: [2, 5, 10, 20], nWayTrialsPerAlphabet: 10, verificationPairs: 1_000 },
  siamese: {
    tower: QUICK_TOWER,
    // Steps, not seconds, end the quick run, so its result does not depend on the machine's
    // load. With focus 2 (600 steps, lr 0.01) it scores 50.60% [48.4, 52.8] on koch-val
    // (validation); focus 2 was kept over none by a quick comparison on lake-runs, a test
    // protocol, not redone on validation.
    steps: 600,
    validateEvery: 100,
    patience: 5,
    learningRate: 1e-2,
    decayEvery: 50,
    lrDecay: 0.99,
    // A safety net only: 600 steps take about 80 s on one wasm thread.
    maxSeconds: 600,
    // One tiny fixed-pool model so the Table 1 code path runs.
    table1: {
      trainPairs: [2_000],
      distortions: [true],
      batchPairs: 64,
      steps: 20,
      validateEvery: 20,
      patience: 5,
      maxSeconds: 120,
    },
  },
  triplet: {
    tower: { ...QUICK_TOWER, denseActivation: "linear" },
    embeddingDim: 64,
    steps: 150,
    validateEvery: 50,
    patience: 5,
    // The batch before the standard profile doubled it: a check of the code path, no claims.
    batchCharacters: 16,
    learningRate: 1e-3,
    lrDecay: 0.98,
    decayEvery: 50,
    // A safety net: the 150 steps end the run (about 40 s per miner here).
    maxSeconds: 300,
  },
});

/** The paper's 105x105 net and schedule; wants a GPU. */
const PAPER: RunConfig = applyDelta(STANDARD, {
  profile: "paper",
  // The paper's images: as released, no ink boxes.
  evaluation: { imageSize: 105, inkBox: undefined },
  siamese: {
    tower: KOCH_105,
    // Section 3.2: minibatch 128 pairs; 150k pairs x 200 epochs at most, patience 20.
    batchCharacters: 32,
    focus: 0,
    steps: 200_000,
    validateEvery: 1_000,
    patience: 20,
    optimizer: "sgd",
    learningRate: 0.01,
    decayEvery: 1_000,
    lrDecay: 0.99,
    momentumEpochs: 50,
    l2: 2e-4,
    maxSeconds: 48 * 3600,
    // The paper's images: thick strokes are not in the paper, and their 3x3 blur was sized for
    // 35-pixel strokes.
    thickStrokes: undefined,
    // The paper keeps its last weights (and 39M averaged weights would cost 156 MB more).
    weightAverage: undefined,
    // 128 taped images of 105x105 overflow wasm's 4 GB heap (conv1's output is 302 MB, conv2's
    // weight gradient unrolls 354 MB per 16 images); 16 per chunk keeps a taped pass near
    // 0.5 GB, with room for the 39M weights, their gradients and momentum.
    chunkImages: 16,
    // Table 1 in full: an epoch is trainPairs / 128 minibatches, at most 200 epochs, patience 20.
    table1: {
      trainPairs: [30_000, 90_000, 150_000],
      steps: 200 * 1_172,
      validateEvery: 1_000,
      patience: 20,
      maxSeconds: 12 * 3600,
    },
  },
  triplet: {
    tower: { ...KOCH_105, denseActivation: "linear" },
    batchCharacters: 32,
    steps: 100_000,
    validateEvery: 1_000,
    patience: 20,
    learningRate: 1e-4,
    lrDecay: 0.98,
    decayEvery: 1_000,
    maxSeconds: 24 * 3600,
    // Sized for 35-pixel strokes, as the Siamese block's.
    thickStrokes: undefined,
    // As the Siamese block's: its last weights, not 39M averaged ones besides.
    weightAverage: undefined,
    // As the Siamese net's (the embedding batch norm runs once on the gathered embeddings).
    chunkImages: 16,
  },
});

const DEFAULTS: Record<Profile, RunConfig> = { quick: QUICK, standard: STANDARD, paper: PAPER };

/** The defaults of `profile`, deep-copied, the towers sized to `evaluation.imageSize`. */
export function profileConfig(profile: string): RunConfig {
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`unknown profile "${profile}"; choose one of ${PROFILES.join(", ")}`);
  }
  const config = structuredClone(DEFAULTS[profile as Profile]);
  const size = config.evaluation.imageSize;
  config.siamese.tower = { ...config.siamese.tower, inputSize: size };
  config.triplet.tower = { ...config.triplet.tower, inputSize: size };
  return config;
}

/** Command-line overrides. */
export interface ConfigOverrides {
  seed?: number;
  /** `--miners`: the triplet models to train instead of the profile's. */
  miners?: MinerName[];
}

/** The profile's defaults with `overrides` applied. */
export function resolveConfig(profile: string, overrides: ConfigOverrides = {}): RunConfig {
  const config = profileConfig(profile);
  if (overrides.seed !== undefined) config.seed = overrides.seed;
  if (overrides.miners !== undefined) config.triplet.miners = [...overrides.miners];
  return config;
}
