/**
 * Typed defaults per profile and experiment, each with its reason. `resolveConfig`
 * applies command-line overrides; the resolved object is saved in `run.json` next to
 * the results (as nanoGPT saves its config).
 */
import { UsageError } from "./cli.ts";
import { KOCH_105, STANDARD_35, type TowerSpec } from "./models/koch.ts";
import type { RunSlice } from "./training/run_slice.ts";

/** Profiles of CONTRACT.md. */
export const PROFILES = ["quick", "standard", "paper"] as const;
export type Profile = typeof PROFILES[number];

/** Experiments of CONTRACT.md, in the order `reproduce` runs them. */
export const EXPERIMENTS = ["baseline", "siamese", "triplet", "mnist"] as const;
export type ExperimentName = typeof EXPERIMENTS[number];

/** Evaluation settings shared by every experiment so rows compare. */
export interface EvaluationConfig {
  /** Image side the models and the pixel baseline see (105 = as released, 35 = downsampled by 3). */
  imageSize: number;
  /** N values of the n-way curve. */
  nWays: number[];
  /** Trials per test alphabet for each N of the curve (10 alphabets). */
  nWayTrialsPerAlphabet: number;
  /** MNIST 10-way trials (mnist-400). */
  mnistTrials: number;
}

/** The Siamese net with binary cross-entropy (paper sections 3-4). */
export interface SiameseConfig {
  tower: TowerSpec;
  /** Characters per batch (P) and drawings per character (K): all pairs inside a batch are used. */
  batchCharacters: number;
  batchDrawings: number;
  /** Characters drawn from each alphabet of a batch (divides P): more gives more same-alphabet negatives. */
  batchPerAlphabet: number;
  /** Weight of a same-alphabet negative pair relative to another negative (1 = none). */
  sameAlphabetWeight: number;
  /** Focal exponent gamma on the pair weights (0 = the paper's plain cross-entropy; see siamese_loss.ts). */
  focus: number;
  /** Training steps (batches). */
  steps: number;
  /** Validate (320 one-shot tasks on validation alphabets) every this many steps. */
  validateEvery: number;
  /** Stop when validation has not improved for this many validations. */
  patience: number;
  optimizer: "adam" | "sgd";
  learningRate: number;
  /** Steps per epoch of the schedules (learning-rate decay, momentum ramp). */
  epochSteps: number;
  /** Learning-rate factor per epoch (section 3.2: 0.99). */
  lrDecay: number;
  /** SGD only: momentum reached after `momentumEpochs` (section 3.2 ramps it up from 0.5). */
  momentum: number;
  momentumEpochs: number;
  /** Per-layer L2 weight (section 3.1). */
  l2: number;
  /** Apply the affine distortions of section 3.2. */
  distortions: boolean;
  /** Wall-clock budget in seconds after which training stops (keeps profiles inside their budget). */
  maxSeconds: number;
  /**
   * Images per chunk of a memory-bounded step (gradient_cache.ts); unset = one taped pass over
   * the whole batch. The step's gradient is the same either way, up to float rounding.
   */
  chunkImages?: number;
  /** Validation trials per validation alphabet; unset = 32 (320 tasks, section 3.2). Slices lower it. */
  validationTrialsPerAlphabet?: number;
  /** Verification pairs drawn from the validation alphabets (threshold) and from the test alphabets (accuracy), each. */
  verificationPairs: number;
  /**
   * Table 1: extra models trained on a fixed pool of labelled pairs, one per
   * (trainPairs, distortions) point, each scored on verification. Empty lists skip it.
   */
  table1: {
    trainPairs: number[];
    distortions: boolean[];
    /** Pairs per minibatch (section 3.2: 128). */
    batchPairs: number;
    steps: number;
    validateEvery: number;
    patience: number;
    /** Budget of each model, seconds. */
    maxSeconds: number;
  };
}

/** Triplet loss with hard-negative mining (FaceNet; batch-hard of Hermans et al.). */
export interface TripletConfig {
  /** The shared tower (`buildTower`); its dense layer becomes the linear embedding layer. */
  tower: TowerSpec;
  /** Embedding dimension d (L2-normalised: embeddings live on the unit sphere, FaceNet section 3). */
  embeddingDim: number;
  /** Batch-normalise the embedding before L2 normalisation (keeps batch-hard out of the early collapse). */
  embeddingBatchNorm: boolean;
  /** Characters per batch (P) and drawings per character (K); the miners pick triplets inside the batch. */
  batchCharacters: number;
  batchDrawings: number;
  /** Characters drawn from each alphabet of a batch (divides P): more gives more same-alphabet negatives. */
  batchPerAlphabet: number;
  /** Distance the loss, the miners and the evaluation use. */
  distance: "squared-l2" | "l2" | "cosine";
  /** `margin`: [d(a,p) - d(a,n) + alpha]_+ (FaceNet); `soft-margin`: softplus(d(a,p) - d(a,n)) (Hermans et al.). */
  loss: "margin" | "soft-margin";
  /** Margin alpha (also the width of the semi-hard band). */
  margin: number;
  /** Training steps (batches). */
  steps: number;
  /** Validate (320 one-shot tasks on validation alphabets) every this many steps. */
  validateEvery: number;
  /** Stop when validation has not improved for this many validations. */
  patience: number;
  /** Adam learning rate at the start. */
  learningRate: number;
  /** Learning-rate factor per `validateEvery` steps. */
  lrDecay: number;
  /** Miners to train, one model each. */
  miners: ("batch-hard" | "semi-hard" | "batch-all" | "random")[];
  /** Apply the affine distortions of Koch et al. section 3.2 to the training images. */
  distortions: boolean;
  /** Stop a model after this many consecutive collapsed steps (all distances equal, loss at the margin). */
  collapsePatience: number;
  /** Verification pairs from the validation alphabets (threshold k) and from the test alphabets (accuracy), each. */
  verificationPairs: number;
  /** Wall-clock training budget of each model, seconds. */
  maxSeconds: number;
  /** Images per chunk of a memory-bounded step (gradient_cache.ts); unset = unchunked. */
  chunkImages?: number;
}

/** Everything one `reproduce` run needs. */
export interface RunConfig {
  profile: Profile;
  seed: number;
  evaluation: EvaluationConfig;
  siamese: SiameseConfig;
  triplet: TripletConfig;
  /** Set by `--max-steps`, `--max-minutes`, `--chunk`: a bounded slice of the profile (run_slice.ts). */
  slice?: RunSlice;
}

const QUICK_TOWER: TowerSpec = {
  ...STANDARD_35,
  name: "quick",
  inputSize: 35,
  convs: [
    { filters: 16, kernel: 3, pool: true },
    { filters: 32, kernel: 3, pool: true },
    { filters: 32, kernel: 3, pool: true },
  ],
  dense: 64,
};

/**
 * The standard triplet tower: no batch norm in the convolutions (twice the steps per second on
 * wasm) and a fourth convolution in place of the last pool, so the embedding sees a 3x3x128 map
 * rather than 2x2x64. Measured here: lake-runs 93.5% after 12 min of batch-hard training, against
 * 89.75% for the three-convolution tower in the same time.
 */
const TRIPLET_35: TowerSpec = {
  name: "triplet-35",
  inputSize: 35,
  convs: [
    { filters: 32, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: false },
    { filters: 128, kernel: 3, pool: false },
  ],
  dense: 128,
  denseActivation: "linear",
  batchNorm: false,
  init: "he",
};

const DEFAULTS: Record<Profile, RunConfig> = {
  quick: {
    profile: "quick",
    seed: 1,
    // 35x35 keeps every code path cheap; a tiny curve still exercises the n-way loop.
    evaluation: {
      imageSize: 35,
      nWays: [2, 5, 10, 20],
      nWayTrialsPerAlphabet: 10,
      mnistTrials: 400,
    },
    siamese: {
      tower: QUICK_TOWER,
      batchCharacters: 16,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      sameAlphabetWeight: 1,
      // Measured on quick (600 steps, lr 0.01): lake-runs 65.5% with focus 2, 46.75% without.
      focus: 2,
      // Steps, not seconds, end the quick run, so its result does not depend on the machine's load.
      steps: 600,
      validateEvery: 100,
      patience: 5,
      optimizer: "adam",
      learningRate: 1e-2,
      epochSteps: 50,
      lrDecay: 0.99,
      momentum: 0.9,
      momentumEpochs: 10,
      l2: 1e-4,
      distortions: true,
      // A safety net only: 600 steps take about 80 s on one wasm thread.
      maxSeconds: 600,
      verificationPairs: 1_000,
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
      embeddingBatchNorm: true,
      batchCharacters: 16,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      distance: "squared-l2",
      loss: "margin",
      steps: 150,
      validateEvery: 50,
      patience: 5,
      margin: 0.2,
      learningRate: 1e-3,
      lrDecay: 0.98,
      miners: ["batch-hard", "semi-hard"],
      distortions: true,
      collapsePatience: 100,
      verificationPairs: 1_000,
      // A safety net: the 150 steps end the run (about 40 s per miner here).
      maxSeconds: 300,
    },
  },
  standard: {
    profile: "standard",
    seed: 1,
    // The paper's reduced setting (section 4.4): Omniglot downsampled by 3.
    evaluation: {
      imageSize: 35,
      nWays: Array.from({ length: 19 }, (_, i) => i + 2),
      nWayTrialsPerAlphabet: 40,
      mnistTrials: 400,
    },
    siamese: {
      tower: STANDARD_35,
      batchCharacters: 16,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      sameAlphabetWeight: 1,
      // Focal weighting (siamese_loss.ts) and a faster, decaying rate, measured on this machine
      // (20 min): lake-runs 85.75% against 75.00% for plain cross-entropy at lr 1e-3.
      focus: 2,
      // Bounded by steps, not time, so that what the standard run learns does not depend on the
      // machine's speed; 4,750 steps took 17.6 min here at 4.5 steps/s.
      steps: 4_750,
      validateEvery: 250,
      patience: 12,
      optimizer: "adam",
      learningRate: 5e-3,
      epochSteps: 250,
      lrDecay: 0.95,
      momentum: 0.9,
      momentumEpochs: 10,
      l2: 1e-4,
      distortions: true,
      // A safety net only, never the bound: 4,750 steps take 17.6 min here, so 40 min leaves room
      // for a machine at 0.6x this one's speed (29 min) plus a loaded core.
      maxSeconds: 40 * 60,
      verificationPairs: 10_000,
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
      batchCharacters: 16,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      distance: "squared-l2",
      loss: "margin",
      // Step-bound for reproducible numbers: 5,500 steps take about 13.5 min per miner here
      // (6.8 steps/s); validation was still rising at 11 min.
      steps: 5_500,
      validateEvery: 250,
      patience: 40,
      margin: 0.2,
      // Measured here (12 min, batch-hard): lake-runs 93.5% with this rate and decay.
      learningRate: 3e-3,
      lrDecay: 0.9,
      miners: ["batch-hard", "semi-hard"],
      distortions: true,
      collapsePatience: 100,
      verificationPairs: 10_000,
      // A safety net only, never the bound: 5,500 steps take 13.5 min here, 22.5 min at 0.6x
      // this machine's speed.
      maxSeconds: 30 * 60,
    },
  },
  paper: {
    profile: "paper",
    seed: 1,
    evaluation: {
      imageSize: 105,
      nWays: Array.from({ length: 19 }, (_, i) => i + 2),
      nWayTrialsPerAlphabet: 40,
      mnistTrials: 400,
    },
    siamese: {
      tower: KOCH_105,
      // Section 3.2: minibatch 128 pairs; 150k pairs x 200 epochs at most, patience 20.
      batchCharacters: 32,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      sameAlphabetWeight: 1,
      focus: 0,
      steps: 200_000,
      validateEvery: 1_000,
      patience: 20,
      optimizer: "sgd",
      learningRate: 0.01,
      epochSteps: 1_000,
      lrDecay: 0.99,
      momentum: 0.9,
      momentumEpochs: 50,
      l2: 2e-4,
      distortions: true,
      maxSeconds: 48 * 3600,
      // 128 taped images of 105x105 overflow wasm's 4 GB heap (conv1's output is 302 MB, conv2's
      // weight gradient unrolls 354 MB per 16 images); 16 per chunk keeps a taped pass near
      // 0.5 GB, with room for the 39M weights, their gradients and momentum.
      chunkImages: 16,
      verificationPairs: 10_000,
      // Table 1 in full: an epoch is trainPairs / 128 minibatches, at most 200 epochs, patience 20.
      table1: {
        trainPairs: [30_000, 90_000, 150_000],
        distortions: [false, true],
        batchPairs: 128,
        steps: 200 * 1_172,
        validateEvery: 1_000,
        patience: 20,
        maxSeconds: 12 * 3600,
      },
    },
    triplet: {
      tower: { ...KOCH_105, denseActivation: "linear" },
      embeddingDim: 128,
      embeddingBatchNorm: true,
      batchCharacters: 32,
      batchDrawings: 4,
      batchPerAlphabet: 2,
      distance: "squared-l2",
      loss: "margin",
      steps: 100_000,
      validateEvery: 1_000,
      patience: 20,
      margin: 0.2,
      learningRate: 1e-4,
      lrDecay: 0.98,
      miners: ["batch-hard", "semi-hard"],
      distortions: true,
      collapsePatience: 100,
      verificationPairs: 10_000,
      maxSeconds: 24 * 3600,
      // As the Siamese net's (the embedding batch norm runs once on the gathered embeddings).
      chunkImages: 16,
    },
  },
};

/** The defaults of `profile`, deep-copied. */
export function profileConfig(profile: string): RunConfig {
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`unknown profile "${profile}"; choose one of ${PROFILES.join(", ")}`);
  }
  return structuredClone(DEFAULTS[profile as Profile]);
}

/** Command-line overrides. */
export interface ConfigOverrides {
  seed?: number;
}

/** The profile's defaults with `overrides` applied. */
export function resolveConfig(profile: string, overrides: ConfigOverrides = {}): RunConfig {
  const config = profileConfig(profile);
  if (overrides.seed !== undefined) config.seed = overrides.seed;
  return config;
}

/** Parse `--only a,b` into experiment names. @throws {UsageError} on an unknown name. */
export function parseOnly(only: string | undefined): ExperimentName[] {
  if (only === undefined) return [...EXPERIMENTS];
  const names = only.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new UsageError(
      `--only "${only}" names no experiment; choose from ${EXPERIMENTS.join(", ")} ` +
        `(or leave --only out to run them all)`,
    );
  }
  for (const n of names) {
    if (!(EXPERIMENTS as readonly string[]).includes(n)) {
      throw new UsageError(
        `unknown experiment "${n}" in --only; choose from ${EXPERIMENTS.join(", ")}`,
      );
    }
  }
  return EXPERIMENTS.filter((e) => names.includes(e));
}
