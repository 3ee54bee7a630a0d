/**
 * The shape of a run's configuration: the evaluation settings every experiment shares and the
 * Siamese and triplet training blocks, each setting with what it means. The profiles' values, with
 * their reasons, are in profiles.ts; the resolved object is saved in `run.json` next to the results
 * (as nanoGPT saves its config).
 */
import type { MinerName } from "./miners/by_name.ts";
import type { SiameseHead } from "./models/cosine_head.ts";
import type { TowerSpec } from "./models/koch.ts";
import type { Profile } from "./profile_names.ts";
import type { PairMining } from "./training/siamese_loss.ts";

/** Evaluation settings shared by every experiment so rows compare. */
export interface EvaluationConfig {
  /**
   * Image side the models and the pixel baseline see (105 = as released, 35 = downsampled
   * by 3). The only place it is set: the towers take their input size from it.
   */
  imageSize: number;
  /**
   * Omniglot's images cut to the square window around their ink whose longer side is this share
   * of it, before resampling to `imageSize` (lib/data/ink_box.ts; training and every protocol
   * alike, MNIST untouched). Not in the paper: the standard and quick profiles set it, the paper
   * profile leaves it unset (the images as released), and the 1-NN baseline always reads those.
   */
  inkBox?: number;
  /**
   * Omniglot's images sheared back by this share of their slant (lib/data/deskew.ts) before the
   * ink box; unset in every profile (a setting for studies, `--set evaluation.deskew`).
   */
  deskew?: number;
  /** N values of the n-way curve. */
  nWays: number[];
  /** Trials per test alphabet for each N of the curve (10 alphabets). */
  nWayTrialsPerAlphabet: number;
  /** MNIST 10-way trials (mnist-400). */
  mnistTrials: number;
  /**
   * Verification pairs drawn from the validation alphabets (threshold) and from the test
   * alphabets (accuracy), each; one number for every method, so their rows compare.
   */
  verificationPairs: number;
}

/** What the Siamese net and the triplet embeddings both need to train. */
export interface TrainingConfig {
  /** The tower (`buildTower`); its `inputSize` is `evaluation.imageSize`. */
  tower: TowerSpec;
  /** Characters per batch (P) and drawings per character (K). */
  batchCharacters: number;
  batchDrawings: number;
  /** Characters drawn from each alphabet of a batch (divides P): more gives more same-alphabet negatives. */
  batchPerAlphabet: number;
  /** Training steps (batches). */
  steps: number;
  /** Validate (320 one-shot tasks on validation alphabets) every this many steps. */
  validateEvery: number;
  /** Stop when validation has not improved for this many validations. */
  patience: number;
  /** Learning rate at the start. */
  learningRate: number;
  /** Learning-rate factor per `decayEvery` steps (Koch et al. section 3.2: 0.99 per epoch). */
  lrDecay: number;
  /**
   * Steps between two learning-rate decays (an "epoch" of the schedules; the SGD momentum
   * ramp counts them too). Its own setting, so validating more or less often leaves the
   * schedule alone.
   */
  decayEvery: number;
  /** Apply the affine distortions of Koch et al. section 3.2 to the training images. */
  distortions: boolean;
  /**
   * Train on the first this many of the 30 background alphabets only (alphabet_subset.ts); unset
   * = all of them (every profile). A study setting: how accuracy grows with the training data.
   */
  trainingAlphabets?: number;
  /** Wall-clock budget in seconds after which training stops (a safety net: steps bound every profile). */
  maxSeconds: number;
  /**
   * Images per chunk of a memory-bounded step (gradient_cache.ts); unset = one taped pass over
   * the whole batch. The step's gradient is the same either way, up to float rounding.
   */
  chunkImages?: number;
  /** Validation trials per validation alphabet; unset = 32 (320 tasks, section 3.2). Slices lower it. */
  validationTrialsPerAlphabet?: number;
  /**
   * Quarter turns a background character may take as a character of its own (1-4;
   * lib/training/quarter_turns.ts); unset = 1, none.
   */
  quarterTurns?: number;
  /**
   * Mirror images of the background characters (and their quarter turns) as characters of
   * their own (lib/training/mirror_images.ts); unset = none.
   */
  mirrors?: boolean;
  /**
   * Probability (0-1) that a training image is drawn with thick strokes
   * (lib/training/thick_strokes.ts); unset = never, and no draws.
   */
  thickStrokes?: number;
  /**
   * Root-mean-square displacement, in pixels of a 105x105 image, of the elastic distortions each
   * training image takes before the affine ones (lib/training/elastic_distortions.ts); unset =
   * none, and no draws.
   */
  elastic?: number;
  /**
   * Probability (0-1) that a training image loses a random rectangle to the background
   * (lib/training/random_erasing.ts); unset = never, and no draws.
   */
  erasing?: number;
  /**
   * Decay (0-1) of a running average of all weights that validation, early stopping and the
   * saved model use instead of the last step's (lib/training/weight_average.ts); unset = none.
   */
  weightAverage?: number;
  /**
   * Sharpness-aware steps (lib/training/sharpness.ts): the gradient applied is taken again at the
   * weights moved this L2 distance up the step's gradient; twice the passes. Unset = plain steps.
   */
  sharpness?: number;
  /**
   * `cosine`: the learning rate falls from `learningRate` to 0 over `steps` along half a cosine
   * (Loshchilov and Hutter 2017, without restarts; `lrDecay` unused); unset = `lrDecay` every
   * `decayEvery` steps (lib/training/schedules.ts).
   */
  lrSchedule?: LrScheduleName;
}

/** The Siamese net with binary cross-entropy (paper sections 3-4). All pairs inside a P x K batch are used. */
export interface SiameseConfig extends TrainingConfig {
  /** Weight of a same-alphabet negative pair relative to another negative (1 = none). */
  sameAlphabetWeight: number;
  /** Focal exponent gamma on the pair weights (0 = the paper's plain cross-entropy; see siamese_loss.ts). */
  focus: number;
  /**
   * Which pairs of a batch carry the loss: unset or `all`, every pair; `hardest`, each image's
   * hardest positive and negative pair (lib/training/hardest_pairs.ts), then the focus.
   */
  pairMining?: PairMining;
  optimizer: "adam" | "sgd";
  /** SGD only: momentum reached after `momentumEpochs` (section 3.2 ramps it up from 0.5). */
  momentum: number;
  momentumEpochs: number;
  /** Per-layer L2 weight (section 3.1). */
  l2: number;
  /**
   * End the tower in a linear, batch-normalised, L2-normalised layer, as the triplet embedding
   * does (siamese_net.ts); unset = the paper's sigmoid features.
   */
  normalizedFeatures?: boolean;
  /**
   * The head joining the two towers: unset or `weighted-l1`, the paper's; `cosine`, weighted
   * squared differences of unit vectors (lib/models/cosine_head.ts; the features normalised).
   */
  head?: SiameseHead;
  /**
   * Weight of a batch-hard margin loss on the tower's unit features, added to the cross-entropy
   * (lib/training/siamese_triplet_term.ts; needs the cosine head or `normalizedFeatures`);
   * unset or 0 = none, the paper's loss alone.
   */
  tripletWeight?: number;
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

/**
 * Triplet loss with hard-negative mining (FaceNet; batch-hard of Hermans et al.), trained
 * with Adam. The tower's dense layer becomes the linear embedding layer; the miners pick
 * triplets inside the P x K batch.
 */
export interface TripletConfig extends TrainingConfig {
  /** Embedding dimension d (L2-normalised: embeddings live on the unit sphere, FaceNet section 3). */
  embeddingDim: number;
  /** Batch-normalise the embedding before L2 normalisation (keeps batch-hard out of the early collapse). */
  embeddingBatchNorm: boolean;
  /** Distance the loss, the miners and the evaluation use. */
  distance: "squared-l2" | "l2" | "cosine";
  /**
   * `margin`: [d(a,p) - d(a,n) + alpha]_+ (FaceNet); `soft-margin`: softplus(d(a,p) - d(a,n))
   * (Hermans et al.); `softmax`: the N-pair cross-entropy of each anchor's positive against the
   * mined negatives (lib/losses/triplet_softmax.ts; with batch-all, against all of them).
   */
  loss: "margin" | "soft-margin" | "softmax";
  /** The `softmax` loss's scale s of its logits -s d; unset = 5. */
  softmaxScale?: number;
  /** Margin alpha (also the width of the semi-hard band). */
  margin: number;
  /** Miners to train, one model each. */
  miners: MinerName[];
  /** Stop a model after this many consecutive collapsed steps (all distances equal, loss at its collapsed value). */
  collapsePatience: number;
  /**
   * Weight of a normalised-softmax classification of the training characters added to the
   * triplet loss (lib/losses/normalized_softmax.ts); unset or 0 = none.
   */
  classWeight?: number;
  /** Scale of that classification's cosine logits (1 / temperature); unset = 16. */
  classScale?: number;
  /**
   * L2 weight on the convolution and embedding kernels, added to their gradients as the Siamese
   * block's `l2` (section 3.1); unset or 0 = none.
   */
  l2?: number;
  /**
   * Doppelganger batches (lib/training/doppelgangers.ts): half of each batch's characters drawn one
   * per alphabet, each followed by one of its `doppelgangers` nearest training characters under the
   * current net (`batchPerAlphabet` then unused; not with `mirrors`); unset = the profile's batches.
   */
  doppelgangers?: number;
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

/** The learning-rate schedules a profile or a study may name besides the default decay. */
export const LR_SCHEDULES = ["cosine"] as const;
export type LrScheduleName = typeof LR_SCHEDULES[number];

/** The slice flags of `reproduce` and `seeds` (lib/training/run_slice.ts), validated. */
export interface SliceFlags {
  maxSteps?: number;
  maxMinutes?: number;
  chunkImages?: number;
}

/** What a run records about its slice (`config.slice` in run.json). */
export interface RunSlice extends SliceFlags {
  /** `one-shot`: lake-runs and koch-400 only (105x105 on a CPU backend); `full` otherwise. */
  evaluation: "full" | "one-shot";
  /** Parts of the profile's evaluation left out. */
  skipped: string[];
}
