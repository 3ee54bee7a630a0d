/** Lake et al.'s 20 official one-shot runs (`all_runs.zip`), decoded and checked. */
import { DataError } from "./errors.ts";
import {
  type ImageSet,
  type InkNormalization,
  PACKED_IMAGE_BYTES,
  unpackImages,
} from "./images.ts";
import { EXPECTED } from "./splits.ts";
import type { RunContent } from "./omniglot_content.ts";
import { decodeOmniglotPng } from "./omniglot_png.ts";

/** One of Lake et al.'s 20 official 20-way runs. */
export interface LakeRun {
  /** `run01` .. `run20`. */
  name: string;
  /** The 20 support images (`training/class01..20.png`), `[20, size, size]`. */
  training: ImageSet;
  /** The 20 query images (`test/item01..20.png`), `[20, size, size]`. */
  test: ImageSet;
  /** `answers[i]` is the index into `training` that `test[i]` belongs to (class_labels.txt). */
  answers: number[];
}

/** A run at `size` from its packed content, each image normalised as `normalization` says. */
export function unpackRun(
  r: RunContent,
  size: number,
  normalization: InkNormalization = {},
): LakeRun {
  const half = EXPECTED.runWays * PACKED_IMAGE_BYTES;
  return {
    name: r.name,
    training: unpackImages(r.packed.subarray(0, half), EXPECTED.runWays, size, normalization),
    test: unpackImages(r.packed.subarray(half), EXPECTED.runWays, size, normalization),
    answers: r.answers,
  };
}

/**
 * The runs of `all_runs.zip`, packed: 20 support (`training/classNN.png`) then 20 query
 * (`test/itemNN.png`) images each, with the explicit test-to-answer map of `class_labels.txt`.
 */
export function readRuns(files: Record<string, Uint8Array>): RunContent[] {
  const runs: RunContent[] = [];
  const text = new TextDecoder();
  for (let r = 1; r <= EXPECTED.runs; r++) {
    const name = `run${String(r).padStart(2, "0")}`;
    const labels = files[`${name}/class_labels.txt`];
    if (!labels) {
      throw new DataError(
        `all_runs.zip lacks ${name}/class_labels.txt; replace it with the original.`,
      );
    }
    const training: Uint8Array[] = [];
    const test: Uint8Array[] = [];
    for (let i = 1; i <= EXPECTED.runWays; i++) {
      const nn = String(i).padStart(2, "0");
      for (
        const [list, path] of [[training, `${name}/training/class${nn}.png`], [
          test,
          `${name}/test/item${nn}.png`,
        ]] as const
      ) {
        const bytes = files[path];
        if (!bytes) {
          throw new DataError(`all_runs.zip lacks ${path}; replace it with the original.`);
        }
        list.push(decodeOmniglotPng(bytes, `all_runs.zip:${path}`));
      }
    }
    const answers = new Array<number>(EXPECTED.runWays).fill(-1);
    for (const line of text.decode(labels).split(/\r?\n/)) {
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 2) continue;
      const q = /test\/item(\d+)\.png$/.exec(parts[0]);
      const s = /training\/class(\d+)\.png$/.exec(parts[1]);
      if (!q || !s) {
        throw new DataError(`all_runs.zip ${name}/class_labels.txt: cannot read line "${line}".`);
      }
      answers[Number(q[1]) - 1] = Number(s[1]) - 1;
    }
    if (answers.some((a) => a < 0 || a >= EXPECTED.runWays)) {
      throw new DataError(`all_runs.zip ${name}/class_labels.txt does not map all 20 test items.`);
    }
    runs.push({ name, packed: concat([...training, ...test]), answers });
  }
  return runs;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
