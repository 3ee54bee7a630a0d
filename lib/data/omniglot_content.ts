/**
 * What the Omniglot data must contain, checked on the decoded images rather than on the
 * zip files: a digest per character over its alphabet, folder name, id and the ink bits of
 * its 20 drawings, and one per official run over its 40 images and answer key. Any copy with
 * the released names and pixels verifies whatever tool zipped it (PNG encoding, compression
 * and file order do not enter); any other copy is refused naming the alphabets, characters
 * or runs that differ. The pinned values (`omniglot_digests.json`) were computed from the
 * copy described in `/work/shared/datasets/omniglot/PROVENANCE.md` (its PNGs are
 * byte-identical to brendenlake/omniglot's, via jeanette-nguyen/Omniglot-Data) with
 * `deno run -A scripts/omniglot_digests.ts`.
 */
import { DataError } from "./errors.ts";
import { createHash } from "node:crypto";
import PINNED from "./omniglot_digests.json" with { type: "json" };

/** Decoded content of one release zip: names and packed ink, in cache order. */
export interface SplitContent {
  alphabets: { name: string; characters: { name: string; id: number }[] }[];
  /** Bit-packed images, 20 per character, character-major. */
  packed: Uint8Array;
}

/** Decoded content of one official run. */
export interface RunContent {
  name: string;
  /** Packed support images then query images. */
  packed: Uint8Array;
  answers: number[];
}

/** Pinned digests: `alphabet/character` -> digest per set, `runNN` -> digest. */
export interface ContentDigests {
  background: Record<string, string>;
  evaluation: Record<string, string>;
  runs: Record<string, string>;
}

/** The digests the release must have. */
export const EXPECTED_CONTENT: ContentDigests = PINNED;

const DIGEST_CHARS = 16;

function hash(head: string, bytes: Uint8Array): string {
  return createHash("sha256").update(head).update(bytes).digest("hex").slice(0, DIGEST_CHARS);
}

/** `alphabet/character` -> digest of its names and the ink of its drawings. */
export function splitDigests(content: SplitContent, imageBytes: number): Record<string, string> {
  const out: Record<string, string> = {};
  let c = 0;
  for (const a of content.alphabets) {
    for (const ch of a.characters) {
      const pixels = content.packed.subarray(c * 20 * imageBytes, (c + 1) * 20 * imageBytes);
      out[`${a.name}/${ch.name}`] = hash(`${a.name}/${ch.name}/${ch.id}\n`, pixels);
      c++;
    }
  }
  return out;
}

/** `runNN` -> digest of its images and answer key. */
export function runDigests(runs: readonly RunContent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of runs) {
    out[r.name] = hash(`${r.name}\n${r.answers.join(",")}\n`, r.packed);
  }
  return out;
}

/**
 * Compare `actual` digests with `expected`; a {@link DataError} naming what differs
 * (alphabets missing or unexpected, characters whose drawings differ) when they do not match.
 */
export function checkDigests(
  file: string,
  actual: Record<string, string>,
  expected: Record<string, string>,
): void {
  const group = (keys: string[]) => new Set(keys.map((k) => k.split("/")[0]));
  const actualKeys = Object.keys(actual), expectedKeys = Object.keys(expected);
  const missing = expectedKeys.filter((k) => !(k in actual));
  const extra = actualKeys.filter((k) => !(k in expected));
  const changed = expectedKeys.filter((k) => k in actual && actual[k] !== expected[k]);
  if (!missing.length && !extra.length && !changed.length) return;
  const actualGroups = group(actualKeys), expectedGroups = group(expectedKeys);
  const missingGroups = [...expectedGroups].filter((g) => !actualGroups.has(g));
  const extraGroups = [...actualGroups].filter((g) => !expectedGroups.has(g));
  const list = (items: string[]) =>
    items.slice(0, 6).join(", ") + (items.length > 6 ? ` and ${items.length - 6} more` : "");
  const parts: string[] = [];
  if (missingGroups.length) parts.push(`missing ${list(missingGroups)}`);
  if (extraGroups.length) parts.push(`unexpected ${list(extraGroups)}`);
  const inGroups = (keys: string[], groups: string[]) =>
    keys.filter((k) => !groups.includes(k.split("/")[0]));
  const missingItems = inGroups(missing, missingGroups);
  const extraItems = inGroups(extra, extraGroups);
  if (missingItems.length) parts.push(`missing ${list(missingItems)}`);
  if (extraItems.length) parts.push(`unexpected ${list(extraItems)}`);
  if (changed.length) parts.push(`different drawings or ids in ${list(changed)}`);
  throw new DataError(
    `${file} is not the Omniglot release: ${parts.join("; ")}. ` +
      `Replace it with the original release zip, or point OMNIGLOT_DIR at a correct copy.`,
  );
}
