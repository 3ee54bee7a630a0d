/**
 * P x K batches: P characters, K drawings of each. Every pair inside such a batch is a
 * labelled example (same character or not), so one forward pass of P K images yields
 * P K (P K - 1) / 2 pairs; the triplet loss mines its triplets from the same layout.
 *
 * Layout (asserted by the tests): image `p * K + k` is drawing k of the batch's p-th
 * character; `labels` holds the character's index in the split, `alphabets` its
 * alphabet's index in `split.alphabets`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import type { Rng } from "../rng.ts";
import type { TrainingConfig } from "../config.ts";
import { distortImages, type DistortionRanges, KOCH_DISTORTIONS } from "./augment.ts";
import { imageAt } from "../data/images.ts";
import {
  isQuarterTurnCount,
  MAX_QUARTER_TURNS,
  quarterTurn,
  turnedLabel,
} from "./quarter_turns.ts";
import { thickenStrokes } from "./thick_strokes.ts";
import { eraseRandomRectangles } from "./random_erasing.ts";
import { elasticDistortions } from "./elastic_distortions.ts";
import { mirrorCount, mirrorImage } from "./mirror_images.ts";

/** Options of {@link sampleBatch}. */
export interface BatchOptions {
  /** P: distinct characters per batch. */
  characters: number;
  /** K: drawings (distinct drawers) per character. */
  drawings: number;
  /** Alphabets to draw from (names); defaults to every alphabet of the split. */
  alphabets?: readonly string[];
  /**
   * Characters taken from each chosen alphabet (must divide P). 1 spreads the batch over
   * P alphabets; larger values put same-alphabet negatives, the hard ones of the
   * within-alphabet one-shot task, in every batch. Default 1.
   */
  perAlphabet?: number;
  /** Distort each image (section 3.2) with these ranges; none when omitted or false. */
  augment?: DistortionRanges | false;
  /**
   * Quarter turns each character may take as a character of its own (quarter_turns.ts): 1 (the
   * default) none, 4 every turn of 0-270 degrees. An alphabet's characters are drawn from its
   * characters x turns, all K drawings of one taking the same turn; a turned character's label
   * is `turnedLabel(c, t, split.characters.length)`. With 1 the draws are those without it.
   */
  turns?: number;
  /**
   * Mirror images as characters of their own (mirror_images.ts): each character is drawn from
   * its `turns` turns of itself and, when set, of its mirror image (reflected, then turned),
   * all K drawings taking the same; label `turnedLabel(c, t + 4, ...)` for mirror image t. Unset
   * or false draws as without it.
   */
  mirrors?: boolean;
  /**
   * Probability that an image is drawn with thick strokes (thick_strokes.ts), after the
   * distortions; unset draws nothing (the batches are those without it).
   */
  thickStrokes?: number;
  /**
   * Elastic distortions (elastic_distortions.ts) of this root-mean-square displacement, pixels of
   * a 105x105 image, before the affine ones; unset draws nothing (the batches are those without).
   */
  elastic?: number;
  /**
   * Probability that an image loses a random rectangle to the background (random_erasing.ts),
   * after every other augmentation; unset draws nothing (the batches are those without it).
   */
  erasing?: number;
}

/** The three settings of a block that shape its P x K batches. */
export interface BatchShape {
  /** P: characters a batch. */
  batchCharacters: number;
  /** K: drawings of each. */
  batchDrawings: number;
  /** Characters from each alphabet of a batch. */
  batchPerAlphabet: number;
  /** The background alphabets the batches come from (all 30 when unset). */
  trainingAlphabets?: number;
}

/**
 * Why {@link sampleBatch} would refuse batches of this shape from the background alphabets, or
 * `null` when it draws them: checked by `tune` at parsing, so that a study whose `--set`s cannot
 * make a batch exits 2 before any data loads rather than throwing at its first step.
 */
export function batchShapeProblem(shape: BatchShape): string | null {
  const { batchCharacters: P, batchDrawings: K, batchPerAlphabet: per } = shape;
  const { smallestAlphabet } = EXPECTED.background;
  const alphabets = shape.trainingAlphabets ?? EXPECTED.background.alphabets;
  if (K > EXPECTED.drawers) {
    return `batchDrawings (${K}) is more than the ${EXPECTED.drawers} drawers of a character`;
  }
  if (per > smallestAlphabet) {
    return `batchPerAlphabet (${per}) is more than the ${smallestAlphabet} characters of the ` +
      `smallest background alphabets`;
  }
  if (P % per !== 0) {
    return `batchPerAlphabet (${per}) must divide batchCharacters (${P})`;
  }
  if (P / per > alphabets) {
    return `${P} characters a batch, ${per} from each alphabet, need ${P / per} alphabets and ` +
      `the training set has ${alphabets}: raise batchPerAlphabet or keep batchCharacters at ` +
      `most ${alphabets * per}`;
  }
  return null;
}

/** A P x K batch of images. */
export interface Batch {
  /** Side length of the images. */
  size: number;
  /** P K. */
  count: number;
  /** `[P K, size, size]`, ink = 1. */
  images: Float32Array;
  /** Character index (into `split.characters`) of each image, `[P K]`. */
  labels: Int32Array;
  /** Alphabet index (into `split.alphabets`) of each image, `[P K]`. */
  alphabets: Int32Array;
}

/**
 * Draw a P x K batch: alphabets uniformly without replacement (so each alphabet is equally
 * represented whatever its size), `perAlphabet` characters from each, K drawers of each.
 */
export function sampleBatch(split: OmniglotSplit, rng: Rng, options: BatchOptions): Batch {
  const { characters: P, drawings: K } = options;
  const perAlphabet = options.perAlphabet ?? 1;
  const turns = options.turns ?? 1;
  if (!isQuarterTurnCount(turns)) {
    throw new RangeError(
      `sampleBatch: turns must be an integer in [1, ${MAX_QUARTER_TURNS}], got ${turns}`,
    );
  }
  if (!(Number.isInteger(P) && P >= 1)) {
    throw new RangeError(`sampleBatch: characters must be a positive integer, got ${P}`);
  }
  if (!(Number.isInteger(K) && K >= 1 && K <= EXPECTED.drawers)) {
    throw new RangeError(
      `sampleBatch: drawings must be an integer in [1, ${EXPECTED.drawers}], got ${K}`,
    );
  }
  if (!(Number.isInteger(perAlphabet) && perAlphabet >= 1 && P % perAlphabet === 0)) {
    throw new RangeError(
      `sampleBatch: perAlphabet (${perAlphabet}) must be a positive divisor of characters (${P})`,
    );
  }
  const pool = (options.alphabets ?? split.alphabets.map((a) => a.name)).map((name) => {
    const index = split.alphabets.findIndex((a) => a.name === name);
    if (index < 0) throw new RangeError(`sampleBatch: alphabet ${name} is not in ${split.name}`);
    if (split.alphabets[index].characters.length < perAlphabet) {
      throw new RangeError(
        `sampleBatch: alphabet ${name} has fewer than perAlphabet (${perAlphabet}) characters`,
      );
    }
    return index;
  });
  const groups = P / perAlphabet;
  if (groups > pool.length) {
    throw new RangeError(
      `sampleBatch: ${groups} alphabets needed (characters / perAlphabet) but only ${pool.length} given`,
    );
  }
  const batch = emptyBatch(split, P * K);
  const versions = turns * mirrorCount(options.mirrors);
  let p = 0;
  for (const a of rng.sample(pool.length, groups).map((i) => pool[i])) {
    const chars = split.alphabets[a].characters;
    for (const pick of rng.sample(chars.length * versions, perAlphabet)) {
      const version = Math.floor(pick / chars.length);
      const turn = version % turns;
      const character = { character: chars[pick % chars.length], turn, mirror: version >= turns };
      placeDrawings(split, batch, p++, character, a, rng.sample(EXPECTED.drawers, K));
    }
  }
  return augmentBatch(batch, rng, options);
}

/** One character of a batch: a background character, its quarter turn, whether it is mirrored. */
export interface BatchCharacter {
  /** Index into `split.characters`. */
  character: number;
  /** Quarter turns (0-3). */
  turn: number;
  /** Reflected before it is turned. */
  mirror: boolean;
}

/** The character a batch label names (the inverse of `turnedLabel`, mirror images included). */
export function batchCharacter(label: number, characters: number): BatchCharacter {
  const version = Math.floor(label / characters);
  return {
    character: label % characters,
    turn: version % MAX_QUARTER_TURNS,
    mirror: version >= MAX_QUARTER_TURNS,
  };
}

/**
 * Draw a batch of the given characters, in order, K drawers of each (drawn from `rng` character
 * by character), augmented as {@link sampleBatch} augments: for samplers that choose the
 * characters themselves (doppelgangers.ts).
 */
export function batchOf(
  split: OmniglotSplit,
  rng: Rng,
  characters: readonly BatchCharacter[],
  options: BatchAugmentations & Pick<BatchOptions, "drawings">,
): Batch {
  const K = options.drawings;
  if (!(Number.isInteger(K) && K >= 1 && K <= EXPECTED.drawers)) {
    throw new RangeError(
      `batchOf: drawings must be an integer in [1, ${EXPECTED.drawers}], got ${K}`,
    );
  }
  const alphabetIndex = new Map(split.alphabets.map((a, i) => [a.name, i]));
  const batch = emptyBatch(split, characters.length * K);
  characters.forEach((ch, p) => {
    const a = alphabetIndex.get(split.characters[ch.character]?.alphabet ?? "");
    if (a === undefined) {
      throw new RangeError(`batchOf: character ${ch.character} is not in ${split.name}`);
    }
    placeDrawings(split, batch, p, ch, a, rng.sample(EXPECTED.drawers, K));
  });
  return augmentBatch(batch, rng, options);
}

/** The settings of {@link BatchOptions} that augment a batch's images once drawn. */
export type BatchAugmentations = Pick<
  BatchOptions,
  "augment" | "thickStrokes" | "elastic" | "erasing"
>;

/** The augmentations a training block's settings ask for: both trainers' batches take these. */
export function blockAugmentations(
  config: Pick<TrainingConfig, "distortions" | "thickStrokes" | "elastic" | "erasing">,
): BatchAugmentations {
  return {
    augment: config.distortions ? KOCH_DISTORTIONS : false,
    thickStrokes: config.thickStrokes,
    elastic: config.elastic,
    erasing: config.erasing,
  };
}

/** A batch of `count` blank images of the split's size, labels and alphabets 0. */
function emptyBatch(split: OmniglotSplit, count: number): Batch {
  const size = split.images.size;
  return {
    size,
    count,
    images: new Float32Array(count * size * size),
    labels: new Int32Array(count),
    alphabets: new Int32Array(count),
  };
}

/**
 * Write drawings `drawers` of `ch` (of alphabet `alphabet`) as the batch's `p`-th character:
 * images `p K .. p K + K - 1`, mirrored and turned as `ch` says, labelled by `turnedLabel`.
 */
function placeDrawings(
  split: OmniglotSplit,
  batch: Batch,
  p: number,
  ch: BatchCharacter,
  alphabet: number,
  drawers: readonly number[],
): void {
  const { size, images, labels, alphabets } = batch;
  const n = size * size;
  const K = drawers.length;
  const mirrored = new Float32Array(n);
  drawers.forEach((d, k) => {
    const i = p * K + k;
    let src = imageAt(split.images, ch.character * EXPECTED.drawers + d);
    if (ch.mirror) {
      mirrorImage(src, mirrored, size);
      src = mirrored;
    }
    if (ch.turn === 0) images.set(src, i * n);
    else quarterTurn(src, images.subarray(i * n, (i + 1) * n), size, ch.turn);
    labels[i] = turnedLabel(
      ch.character,
      ch.mirror ? ch.turn + MAX_QUARTER_TURNS : ch.turn,
      split.characters.length,
    );
    alphabets[i] = alphabet;
  });
}

/** The batch's augmentations, in their order, each drawing from `rng` only when set. */
function augmentBatch(batch: Batch, rng: Rng, options: BatchAugmentations): Batch {
  const { images, size } = batch;
  if (options.elastic !== undefined) elasticDistortions(images, size, rng, options.elastic);
  if (options.augment) distortImages(images, size, rng, options.augment);
  if (options.thickStrokes !== undefined) thickenStrokes(images, size, rng, options.thickStrokes);
  if (options.erasing !== undefined) eraseRandomRectangles(images, size, rng, options.erasing);
  return batch;
}

/**
 * How many labels batches drawn with `options` can carry over `characters` characters (labels
 * run over 0 .. count - 1): each character's turns, and with mirror images all eight symmetries
 * (a mirror image's turn t is labelled as turn t + 4 whatever the turns).
 */
export function batchLabelCount(
  characters: number,
  options: Pick<BatchOptions, "turns" | "mirrors">,
): number {
  return characters * (options.mirrors ? 2 * MAX_QUARTER_TURNS : options.turns ?? 1);
}

/** The batch's images as a `[P K, size, size, 1]` tensor. */
export function batchTensor(batch: Batch): tf.Tensor4D {
  return tf.tensor4d(batch.images, [batch.count, batch.size, batch.size, 1]);
}
