/**
 * Where the images of Lake et al.'s 20 official runs come from in `images_evaluation`:
 * all_runs.zip holds copies of release images under new names (`training/classNN.png`,
 * `test/itemNN.png`), so which characters and drawers a run uses is only recoverable by
 * matching pixels. Knowing it lets the runs be rebuilt on the evaluation split with one
 * factor (characters or drawers) changed, which is how the protocol-gap analysis asks what
 * makes the official runs easier than koch-400.
 */
import { DataError } from "../data/errors.ts";
import { imageAt, type ImageSet } from "../data/images.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import type { LakeRun } from "../data/lake_runs.ts";

/** One official run, as indices into an evaluation split. */
export interface RunSource {
  /** `run01` .. `run20`. */
  name: string;
  /** Alphabet of the run's characters (every run lies within one alphabet). */
  alphabet: string;
  /** Split character index of each support slot, `[ways]`. */
  characters: number[];
  /** Drawer (0-based, the release's `_NN` suffix minus 1) of each support image, `[ways]`. */
  supportDrawers: number[];
  /** Drawer of each query image, `[ways]`, in the run's query order. */
  queryDrawers: number[];
  /** `answers[q]`: support slot of query q's class, as in class_labels.txt. */
  answers: number[];
}

function pixelKey(pixels: Float32Array): number {
  // FNV-1a over the float bytes: a bucket key only, candidates are compared in full.
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  return h >>> 0;
}

function samePixels(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The evaluation-split image of each run image, found by exact pixel equality (the runs and
 * the split must be loaded at the same size).
 * @throws {DataError} when a run image has no copy in the split, or more than one, or a
 * run mixes alphabets, or a query's character is not its answer slot's character.
 */
export function locateRuns(runs: readonly LakeRun[], split: OmniglotSplit): RunSource[] {
  const bank = split.images;
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < bank.count; i++) {
    const key = pixelKey(imageAt(bank, i));
    const list = buckets.get(key);
    if (list) list.push(i);
    else buckets.set(key, [i]);
  }
  const find = (set: ImageSet, j: number, where: string): number => {
    if (set.size !== bank.size) {
      throw new DataError(
        `locateRuns: ${where} is ${set.size}x${set.size}, the split ${bank.size}x${bank.size}`,
      );
    }
    const pixels = imageAt(set, j);
    const hits = (buckets.get(pixelKey(pixels)) ?? []).filter((i) =>
      samePixels(imageAt(bank, i), pixels)
    );
    if (hits.length !== 1) {
      throw new DataError(
        `all_runs.zip ${where} matches ${hits.length} images of images_${split.name}.zip ` +
          `(expected exactly one); is this the original release?`,
      );
    }
    return hits[0];
  };
  return runs.map((run) => {
    const support = Array.from(
      { length: run.training.count },
      (_, k) => find(run.training, k, `${run.name}/training/class${pad(k + 1)}.png`),
    );
    const queries = Array.from(
      { length: run.test.count },
      (_, q) => find(run.test, q, `${run.name}/test/item${pad(q + 1)}.png`),
    );
    const characters = support.map((i) => Math.floor(i / 20));
    const alphabets = new Set(characters.map((c) => split.characters[c].alphabet));
    if (alphabets.size !== 1) {
      throw new DataError(`all_runs.zip ${run.name} mixes alphabets ${[...alphabets].join(", ")}`);
    }
    run.answers.forEach((k, q) => {
      if (Math.floor(queries[q] / 20) !== characters[k]) {
        throw new DataError(
          `all_runs.zip ${run.name}: test item ${q + 1} is not a drawing of its answer's character`,
        );
      }
    });
    return {
      name: run.name,
      alphabet: [...alphabets][0],
      characters,
      supportDrawers: support.map((i) => i % 20),
      queryDrawers: queries.map((i) => i % 20),
      answers: [...run.answers],
    };
  });
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
