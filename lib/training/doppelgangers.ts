/**
 * Doppelganger batches (Smirnov, Melnikov, Novoselov, Luckyanets and Lavrentyeva 2017,
 * "Doppelganger mining for face representation learning"; the class-level hard mining of Suh,
 * Han, Kim and Lee 2019): half of a batch's characters are drawn as the profile draws them, one
 * from each of P / 2 alphabets, and each is followed by one of its k nearest training characters
 * under the net being trained, so that the batch's hardest negatives are characters the net
 * confuses rather than the mostly easy ones a random batch holds. koch-val's trials are 20
 * characters of one alphabet, which is to say mostly doppelgangers. Not in the paper.
 *
 * A training character is a background character with its quarter turn (each a class of its own,
 * quarter_turns.ts). Its place is the mean embedding of two random drawings of it; the
 * neighbours are refreshed from the net's current weights (inference mode) when asked, every
 * validation interval in triplet_training.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { TripletConfig } from "../config.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import { embeddingDimension, embedImages } from "../models/embedding.ts";
import type { Rng } from "../rng.ts";
import {
  type Batch,
  type BatchAugmentations,
  type BatchCharacter,
  batchCharacter,
  batchOf,
} from "./batches.ts";
import { isQuarterTurnCount } from "./quarter_turns.ts";

/** Drawings of each training character whose mean embedding places it. */
export const DOPPELGANGER_DRAWINGS = 2;

/** Whether `k` is a usable number of neighbours to draw a doppelganger from: 1 to 100. */
export function isDoppelgangerCount(k: number): boolean {
  return Number.isInteger(k) && k >= 1 && k <= 100;
}

/**
 * Why a triplet block's `doppelgangers` cannot train, or `null` when it can (or is unset): checked
 * by the trainer, and by `tune` at parsing so that such a study exits 2 before any data loads.
 */
export function doppelgangerProblem(
  config: Pick<TripletConfig, "doppelgangers" | "mirrors" | "batchCharacters">,
): string | null {
  if (config.doppelgangers === undefined) return null;
  if (config.mirrors) {
    return "doppelgangers cannot be combined with mirrors: " +
      "the doppelganger batches draw quarter turns only";
  }
  const P = config.batchCharacters;
  if (P % 2 !== 0 || P / 2 > EXPECTED.background.alphabets) {
    return `doppelgangers needs an even batchCharacters of at most ${
      2 * EXPECTED.background.alphabets
    } (one seed from each of P / 2 alphabets, each with its doppelganger), got ${P}`;
  }
  return null;
}

/**
 * The `k` nearest rows of `points` (`[count, d]`, unit rows) to each row by cosine, itself
 * excluded, nearest first: `[count, k]`. Computed `chunk` rows at a time.
 */
export function nearestRows(
  points: Float32Array,
  count: number,
  k: number,
  chunk = 512,
): Int32Array {
  if (!(k >= 1 && k < count)) {
    throw new RangeError(`nearestRows: k must be from 1 to ${count - 1}, got ${k}`);
  }
  const d = points.length / count;
  const out = new Int32Array(count * k);
  const all = tf.tensor2d(points, [count, d]);
  try {
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      const indices = tf.tidy(() => {
        const rows = tf.slice(all, [start, 0], [end - start, d]);
        return tf.topk(tf.matMul(rows, all, false, true), k + 1).indices.dataSync();
      });
      for (let r = start; r < end; r++) {
        let w = 0;
        for (let j = 0; j <= k && w < k; j++) {
          const near = indices[(r - start) * (k + 1) + j];
          if (near !== r) out[r * k + w++] = near;
        }
      }
    }
  } finally {
    all.dispose();
  }
  return out;
}

/** Options of {@link DoppelgangerSampler}. */
export interface DoppelgangerOptions {
  /** Background characters. */
  split: OmniglotSplit;
  /** Quarter turns each character takes as a character of its own (1-4). */
  turns: number;
  /** k: neighbours a doppelganger is drawn from. */
  neighbours: number;
}

/** Doppelganger batches; see the module comment. */
export class DoppelgangerSampler {
  readonly #split: OmniglotSplit;
  readonly #turns: number;
  readonly #k: number;
  readonly #labels: number;
  #neighbours: Int32Array | undefined;

  constructor(options: DoppelgangerOptions) {
    const { split, turns, neighbours } = options;
    if (!isQuarterTurnCount(turns)) {
      throw new RangeError(`DoppelgangerSampler: turns must be 1-4, got ${turns}`);
    }
    if (!isDoppelgangerCount(neighbours)) {
      throw new RangeError(
        `DoppelgangerSampler: neighbours must be a whole number from 1 to 100, got ${neighbours}`,
      );
    }
    this.#split = split;
    this.#turns = turns;
    this.#k = neighbours;
    this.#labels = split.characters.length * turns;
  }

  /** Whether {@link refresh} has placed the characters yet. */
  get ready(): boolean {
    return this.#neighbours !== undefined;
  }

  /** The k nearest characters (labels) of training character `label`, nearest first. */
  neighboursOf(label: number): Int32Array {
    if (!this.#neighbours) throw new Error("DoppelgangerSampler: refresh() first");
    return this.#neighbours.subarray(label * this.#k, (label + 1) * this.#k);
  }

  /**
   * Place every training character by the mean embedding of `DOPPELGANGER_DRAWINGS` random
   * drawings of it under `model` (inference mode), and find each one's k nearest.
   */
  refresh(model: tfl.LayersModel, rng: Rng): void {
    const split = this.#split;
    const m = DOPPELGANGER_DRAWINGS;
    // Every training character in label order, m random drawings each, as a batch without
    // augmentations (images label * m .. label * m + m - 1).
    const every = Array.from(
      { length: this.#labels },
      (_, label) => batchCharacter(label, split.characters.length),
    );
    const drawn = batchOf(split, rng, every, { drawings: m });
    const rows = embedImages(model, { pixels: drawn.images, count: drawn.count, size: drawn.size });
    const d = embeddingDimension(model);
    const means = new Float32Array(this.#labels * d);
    for (let label = 0; label < this.#labels; label++) {
      const mean = means.subarray(label * d, (label + 1) * d);
      for (let j = 0; j < m; j++) {
        const row = rows.subarray((label * m + j) * d, (label * m + j + 1) * d);
        for (let t = 0; t < d; t++) mean[t] += row[t];
      }
      const norm = Math.hypot(...mean) || 1;
      for (let t = 0; t < d; t++) mean[t] /= norm;
    }
    this.#neighbours = nearestRows(means, this.#labels, this.#k);
  }

  /**
   * The characters of a batch of `characters` (even): one random character (with its turn) from
   * each of `characters / 2` alphabets drawn without replacement (drawn again from the alphabet's
   * others when an earlier seed took it as its doppelganger), each followed by a random one of its
   * k nearest not already in the batch (any character not in it when all k are).
   */
  characters(rng: Rng, characters: number): BatchCharacter[] {
    const split = this.#split;
    const half = characters / 2;
    if (!(Number.isInteger(half) && half >= 1 && half <= split.alphabets.length)) {
      throw new RangeError(
        `DoppelgangerSampler: characters must be even, 2 to ${
          2 * split.alphabets.length
        }, got ${characters}`,
      );
    }
    const chosen = new Set<number>();
    for (const a of rng.sample(split.alphabets.length, half)) {
      const chars = split.alphabets[a].characters;
      const labelOf = (pick: number) =>
        chars[pick % chars.length] + Math.floor(pick / chars.length) * split.characters.length;
      let seed = labelOf(rng.int(chars.length * this.#turns));
      if (chosen.has(seed)) {
        // Taken as another seed's doppelganger: drawn again from the alphabet's others.
        const others = Array.from({ length: chars.length * this.#turns }, (_, i) => labelOf(i))
          .filter((l) => !chosen.has(l));
        seed = others.length > 0 ? rng.pick(others) : this.#unchosen(rng, chosen);
      }
      chosen.add(seed);
      const free = [...this.neighboursOf(seed)].filter((l) => !chosen.has(l));
      chosen.add(free.length > 0 ? rng.pick(free) : this.#unchosen(rng, chosen));
    }
    return [...chosen].map((label) => batchCharacter(label, split.characters.length));
  }

  /** A batch of {@link characters}' characters, K drawings each, augmented. */
  batch(
    rng: Rng,
    characters: number,
    options: BatchAugmentations & { drawings: number },
  ): Batch {
    return batchOf(this.#split, rng, this.characters(rng, characters), options);
  }

  #unchosen(rng: Rng, chosen: ReadonlySet<number>): number {
    for (;;) {
      const label = rng.int(this.#labels);
      if (!chosen.has(label)) return label;
    }
  }
}
