/** A release zip (`images_background.zip`, `images_evaluation.zip`) decoded and verified. */
import { unzipSync } from "fflate";
import { DataError } from "./errors.ts";
import { digest } from "./files.ts";
import { PACKED_IMAGE_BYTES } from "./images.ts";
import { EXPECTED, type OmniglotSetName } from "./splits.ts";
import { CACHE_VERSION, type CacheHeader } from "./omniglot_cache.ts";
import { decodeOmniglotPng } from "./omniglot_png.ts";

/**
 * Starts a progress display of `total` units. Passed in, so that data/ does not depend on
 * how the report draws it.
 */
export type StartProgress = (label: string, total: number) => {
  tick(units: number): void;
  finish(): void;
};

/** Decode and verify a release zip (`images_background.zip` or `images_evaluation.zip`). */
export function decodeSplitZip(
  name: OmniglotSetName,
  zipBytes: Uint8Array,
  sourceSha256 = digest(zipBytes),
  startProgress?: StartProgress,
): { header: CacheHeader; packed: Uint8Array } {
  const where = `images_${name}.zip`;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zipBytes, { filter: (f) => f.name.endsWith(".png") });
  } catch (err) {
    throw new DataError(
      `${where} is not a readable zip (${(err as Error).message}); replace it with the original.`,
    );
  }
  // <set>/<Alphabet>/characterNN/<id>_<drawer>.png
  const pattern = /^(?:[^/]+\/)?([^/]+)\/(character\d+)\/(\d{4})_(\d{2})\.png$/;
  const tree = new Map<string, Map<string, { id: number; drawers: Map<number, string> }>>();
  for (const path of Object.keys(files)) {
    if (path.includes("__MACOSX") || path.split("/").some((p) => p.startsWith("."))) continue;
    const m = pattern.exec(path);
    if (!m) {
      throw new DataError(`${where}: unexpected file ${path}; is this the Omniglot ${name} set?`);
    }
    const [, alphabet, character, idText, drawerText] = m;
    if (!tree.has(alphabet)) tree.set(alphabet, new Map());
    const chars = tree.get(alphabet)!;
    if (!chars.has(character)) chars.set(character, { id: Number(idText), drawers: new Map() });
    const entry = chars.get(character)!;
    if (entry.id !== Number(idText)) {
      throw new DataError(
        `${where}: ${alphabet}/${character} mixes character ids ${entry.id} and ${idText}.`,
      );
    }
    entry.drawers.set(Number(drawerText), path);
  }
  const expected = EXPECTED[name];
  const nChars = [...tree.values()].reduce((s, c) => s + c.size, 0);
  if (tree.size !== expected.alphabets || nChars !== expected.characters) {
    throw new DataError(
      `${where}: found ${tree.size} alphabets and ${nChars} characters, expected ${expected.alphabets} and ` +
        `${expected.characters}. The zip is incomplete or not Omniglot; replace it with the original.`,
    );
  }
  const alphabetNames = [...tree.keys()].sort();
  const header: CacheHeader = {
    version: CACHE_VERSION,
    set: name,
    sourceSha256,
    alphabets: [],
    images: nChars * 20,
  };
  const packed = new Uint8Array(nChars * EXPECTED.drawers * PACKED_IMAGE_BYTES);
  const progress = startProgress?.(`decoding ${where}`, nChars * EXPECTED.drawers);
  const ids = new Set<number>();
  let c = 0;
  for (const alphabet of alphabetNames) {
    const chars = tree.get(alphabet)!;
    const charNames = [...chars.keys()].sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)));
    const entryList: { name: string; id: number }[] = [];
    for (const character of charNames) {
      const { id, drawers } = chars.get(character)!;
      if (ids.has(id)) throw new DataError(`${where}: character id ${id} appears twice.`);
      ids.add(id);
      if (drawers.size !== EXPECTED.drawers) {
        throw new DataError(
          `${where}: ${alphabet}/${character} has ${drawers.size} drawings, expected ${EXPECTED.drawers}.`,
        );
      }
      for (let d = 1; d <= EXPECTED.drawers; d++) {
        const path = drawers.get(d);
        if (!path) throw new DataError(`${where}: ${alphabet}/${character} lacks drawer ${d}.`);
        packed.set(
          decodeOmniglotPng(files[path], `${where}:${path}`),
          (c * 20 + d - 1) * PACKED_IMAGE_BYTES,
        );
      }
      progress?.tick(EXPECTED.drawers);
      entryList.push({ name: character, id });
      c++;
    }
    header.alphabets.push({ name: alphabet, characters: entryList });
  }
  progress?.finish();
  const sorted = [...ids].sort((a, b) => a - b);
  if (
    sorted[0] !== expected.firstId || sorted[sorted.length - 1] !== expected.firstId + nChars - 1
  ) {
    throw new DataError(
      `${where}: character ids run ${sorted[0]}-${sorted.at(-1)}, not from ${expected.firstId}.`,
    );
  }
  return { header, packed };
}
