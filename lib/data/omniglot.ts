/**
 * Omniglot (Lake et al. 2015): the two release zips and the 20 official one-shot runs.
 *
 * The zips come from `OMNIGLOT_DIR` or `data/omniglot/` (downloaded on first use when the
 * network allows). Whatever the source, the content is verified (alphabet, character and
 * drawer counts, unique ids, 105x105), decoded once and cached as bit-packed ink under
 * `data/cache/`; the cache carries the source zip's digest and its own, so a stale or
 * corrupt cache is rebuilt, never trusted.
 */
import { unzipSync } from "fflate";
import { decode } from "fast-png";
import { DataError } from "./errors.ts";
import { digest, exists, removeStaleTemps, writeFileAtomic } from "./files.ts";
import {
  type ImageSet,
  OMNIGLOT_SIZE,
  PACKED_IMAGE_BYTES,
  PACKED_ROW_BYTES,
  unpackImages,
} from "./images.ts";
import { cacheDir, omniglotDir } from "./paths.ts";
import { EXPECTED } from "./splits.ts";
import {
  checkDigests,
  type ContentDigests,
  EXPECTED_CONTENT,
  type RunContent,
  runDigests,
  splitDigests,
} from "./omniglot_content.ts";

/** One of the two release zips. */
export type OmniglotSetName = "background" | "evaluation";

/** A character of an alphabet. Its drawings are images `index * 20 + drawer`. */
export interface Character {
  /** Position in `OmniglotSplit.characters`. */
  index: number;
  /** Alphabet folder name, e.g. `Tengwar`. */
  alphabet: string;
  /** Folder name, e.g. `character07`. */
  name: string;
  /** Global Omniglot id (1-964 background, 965-1623 evaluation). */
  id: number;
}

/** An alphabet and the indices of its characters. */
export interface Alphabet {
  name: string;
  /** Indices into `OmniglotSplit.characters`. */
  characters: number[];
}

/** One release zip, decoded. Image of character c by drawer d (0-19) is `c * 20 + d`. */
export interface OmniglotSplit {
  name: OmniglotSetName;
  alphabets: Alphabet[];
  characters: Character[];
  /** `[characters * 20, size, size]`, ink = 1. */
  images: ImageSet;
}

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

/** Options of {@link loadOmniglot}. */
export interface LoadOmniglotOptions {
  /** Side length of the returned images (105 = as released; 35 = the paper's downsampling by 3). */
  size?: number;
  /** Folder with the three zips; defaults to `OMNIGLOT_DIR` or `data/omniglot/`. */
  dir?: string;
  /** Cache folder; defaults to `data/cache/`. */
  cache?: string;
  /** Shows decoding progress (e.g. `report/progress.ts`); none when left out. */
  progress?: StartProgress;
}

/**
 * Starts a progress display of `total` units. Passed in, so that data/ does not depend on
 * how the report draws it.
 */
export type StartProgress = (label: string, total: number) => {
  tick(units: number): void;
  finish(): void;
};

/** Background, evaluation and the official runs at one image size. */
export interface Omniglot {
  background: OmniglotSplit;
  evaluation: OmniglotSplit;
  runs: LakeRun[];
  /** Folder the zips were read from. */
  source: string;
}

/** Original release files: where to download them and what they must hash to. */
export const RELEASE = {
  base: "https://github.com/brendenlake/omniglot/raw/master/python",
  files: {
    "images_background.zip": {
      path: "images_background.zip",
      md5: "68d2efa1b9178cc56df9314c21c6e718",
    },
    "images_evaluation.zip": {
      path: "images_evaluation.zip",
      md5: "6b91aef0f799c5bb55b94e3f2daec811",
    },
    "all_runs.zip": {
      path: "one-shot-classification/all_runs.zip",
      sha256: "437c1eeab0af8484112e1b4cc0f3d541ec727f7c47b9b202da738af9dfd6c325",
    },
  },
} as const;

type ReleaseFile = keyof typeof RELEASE.files;

/**
 * Load Omniglot at `size` x `size`: verified, decoded once, cached.
 * @throws {DataError} when the data is missing, cannot be downloaded, or is not Omniglot.
 */
export async function loadOmniglot(options: LoadOmniglotOptions = {}): Promise<Omniglot> {
  const size = options.size ?? OMNIGLOT_SIZE;
  if (!Number.isInteger(size) || size < 8 || size > OMNIGLOT_SIZE) {
    throw new RangeError(`loadOmniglot: size must be an integer in [8, 105], got ${size}`);
  }
  const dir = await ensureOmniglotFiles(options.dir);
  const cache = options.cache ?? cacheDir();
  // Temp files of killed runs (a kill between write and rename) would pile up here.
  await removeStaleTemps(cache, 0);
  await removeStaleTemps(dir, 0);
  const background = await loadSplit("background", dir, cache, size, options.progress);
  const evaluation = await loadSplit("evaluation", dir, cache, size, options.progress);
  const packedRuns = readRuns(await readZip(`${dir}/all_runs.zip`));
  checkDigests(`${dir}/all_runs.zip`, runDigests(packedRuns), EXPECTED_CONTENT.runs);
  return { background, evaluation, runs: packedRuns.map((r) => unpackRun(r, size)), source: dir };
}

/**
 * The content digests of the Omniglot copy in `dir` (default `OMNIGLOT_DIR`), unchecked:
 * what `omniglot_digests.json` pins (scripts/omniglot_digests.ts prints it).
 */
export async function omniglotContent(dirOverride?: string): Promise<ContentDigests> {
  const dir = await ensureOmniglotFiles(dirOverride);
  const split = async (name: OmniglotSetName) => {
    const { header, packed } = decodeSplitZip(
      name,
      await Deno.readFile(`${dir}/images_${name}.zip`),
    );
    return splitDigests({ alphabets: header.alphabets, packed }, PACKED_IMAGE_BYTES);
  };
  return {
    background: await split("background"),
    evaluation: await split("evaluation"),
    runs: runDigests(readRuns(await readZip(`${dir}/all_runs.zip`))),
  };
}

/**
 * Make sure the three zips are present in the Omniglot folder, downloading the originals
 * into `data/omniglot/` (checksum-verified) when no `OMNIGLOT_DIR` was given.
 * @returns the folder.
 */
export async function ensureOmniglotFiles(dirOverride?: string): Promise<string> {
  const { dir, fromEnv } = dirOverride ? { dir: dirOverride, fromEnv: true } : omniglotDir();
  const info = await Deno.stat(dir).catch(() => undefined);
  if (info && !info.isDirectory) {
    throw new DataError(
      `${fromEnv ? "OMNIGLOT_DIR" : "the Omniglot folder"} ${dir} is a file, not a folder. ` +
        `Point OMNIGLOT_DIR at the folder holding images_background.zip, images_evaluation.zip ` +
        `and all_runs.zip${fromEnv ? "" : ", or remove the file so the zips can be downloaded"}.`,
    );
  }
  const names = Object.keys(RELEASE.files) as ReleaseFile[];
  const missing: ReleaseFile[] = [];
  for (const name of names) if (!(await exists(`${dir}/${name}`))) missing.push(name);
  if (missing.length === 0) return dir;
  if (fromEnv) {
    throw new DataError(
      `Omniglot folder ${dir} lacks ${
        missing.join(", ")
      }. Point OMNIGLOT_DIR at a folder holding ` +
        `images_background.zip, images_evaluation.zip and all_runs.zip, or unset it to download them into data/omniglot/.`,
    );
  }
  for (const name of missing) await download(name, dir);
  return dir;
}

async function download(name: ReleaseFile, dir: string): Promise<void> {
  const spec = RELEASE.files[name];
  const url = `${RELEASE.base}/${spec.path}`;
  if (Deno.permissions.querySync({ name: "net", host: new URL(url).host }).state !== "granted") {
    throw new DataError(
      `${dir}/${name} is missing and this task may not download it; run deno task data ` +
        `(it fetches the zips into data/omniglot/) or set OMNIGLOT_DIR to a folder holding them.`,
    );
  }
  console.error(`Downloading ${url} ...`);
  let bytes: Uint8Array;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new DataError(
      `Could not download ${url} (${
        (err as Error).message
      }). Download the Omniglot zips by hand into ` +
        `${dir}/ or set OMNIGLOT_DIR to a folder holding them.`,
    );
  }
  const [algo, want] = "md5" in spec
    ? ["md5", spec.md5] as const
    : ["sha256", spec.sha256] as const;
  const got = digest(bytes, algo);
  if (got !== want) {
    throw new DataError(
      `Downloaded ${name} has ${algo} ${got}, expected ${want}; not saved. Try again.`,
    );
  }
  await writeFileAtomic(`${dir}/${name}`, bytes);
}

async function readZip(path: string): Promise<Record<string, Uint8Array>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new DataError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new DataError(
      `${path} is not a readable zip (${(err as Error).message}); replace it with the original.`,
    );
  }
}

/** Decode one PNG to packed ink bits (1 = ink), verifying it is 105x105. */
export function decodeOmniglotPng(bytes: Uint8Array, where: string): Uint8Array {
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new DataError(`${where}: not a valid PNG (${(err as Error).message}).`);
  }
  if (png.width !== OMNIGLOT_SIZE || png.height !== OMNIGLOT_SIZE) {
    throw new DataError(
      `${where}: image is ${png.width}x${png.height}, Omniglot images are 105x105.`,
    );
  }
  const out = new Uint8Array(PACKED_IMAGE_BYTES);
  const data = png.data;
  const channels = png.channels;
  if (png.depth === 1 && channels === 1 && !png.palette) {
    // Bit-packed rows, 1 = white: invert to 1 = ink and clear the padding bits.
    const pad = 0xff << (8 - (OMNIGLOT_SIZE % 8)) & 0xff;
    for (let y = 0; y < OMNIGLOT_SIZE; y++) {
      for (let b = 0; b < PACKED_ROW_BYTES; b++) {
        const v = ~data[y * PACKED_ROW_BYTES + b] & 0xff;
        out[y * PACKED_ROW_BYTES + b] = b === PACKED_ROW_BYTES - 1 ? v & pad : v;
      }
    }
    return out;
  }
  // Any other encoding: threshold luminance at half range (ink is dark).
  const max = (1 << png.depth) - 1;
  for (let y = 0; y < OMNIGLOT_SIZE; y++) {
    for (let x = 0; x < OMNIGLOT_SIZE; x++) {
      const p = y * OMNIGLOT_SIZE + x;
      let value: number;
      if (png.palette) value = (png.palette[data[p]] as number[])[0] / 255;
      else value = (data[p * channels] as number) / max;
      if (value < 0.5) out[y * PACKED_ROW_BYTES + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return out;
}

const CACHE_MAGIC = new TextEncoder().encode("OMNIGLT1");
const CACHE_VERSION = 1;

interface CacheHeader {
  version: number;
  set: OmniglotSetName;
  sourceSha256: string;
  alphabets: { name: string; characters: { name: string; id: number }[] }[];
  images: number;
}

async function loadSplit(
  name: OmniglotSetName,
  dir: string,
  cache: string,
  size: number,
  progress?: StartProgress,
): Promise<OmniglotSplit> {
  const zipPath = `${dir}/images_${name}.zip`;
  let zipBytes: Uint8Array;
  try {
    zipBytes = await Deno.readFile(zipPath);
  } catch (err) {
    throw new DataError(`Cannot read ${zipPath}: ${(err as Error).message}`);
  }
  const sourceSha256 = digest(zipBytes);
  const cachePath = `${cache}/omniglot-${name}.v${CACHE_VERSION}.bin`;
  const cacheInfo = await Deno.stat(cachePath).catch(() => undefined);
  if (cacheInfo && !cacheInfo.isFile) {
    throw new DataError(
      `the decode cache ${cachePath} is not a file; remove it (it is rebuilt) or point ` +
        `SIAMESE_CACHE_DIR at another folder.`,
    );
  }
  // Checked whether decoded now or read from the cache: a cache is only ever written after
  // this check, but it is a file anyone can replace.
  const check = (d: { header: CacheHeader; packed: Uint8Array }) =>
    checkDigests(
      zipPath,
      splitDigests({ alphabets: d.header.alphabets, packed: d.packed }, PACKED_IMAGE_BYTES),
      EXPECTED_CONTENT[name],
    );
  let decoded = await readCache(cachePath, name, sourceSha256);
  if (!decoded) {
    decoded = decodeSplitZip(name, zipBytes, sourceSha256, progress);
    check(decoded);
    try {
      await writeFileAtomic(cachePath, encodeCache(decoded.header, decoded.packed));
    } catch (err) {
      throw new DataError(
        `cannot write the decode cache ${cachePath} (${(err as Error).message}); make ` +
          `${cache} a writable folder or point SIAMESE_CACHE_DIR at one.`,
      );
    }
  } else {
    check(decoded);
  }
  return buildSplit(name, decoded.header, decoded.packed, size);
}

function buildSplit(
  name: OmniglotSetName,
  header: CacheHeader,
  packed: Uint8Array,
  size: number,
): OmniglotSplit {
  const alphabets: Alphabet[] = [];
  const characters: Character[] = [];
  for (const a of header.alphabets) {
    const indices: number[] = [];
    for (const c of a.characters) {
      indices.push(characters.length);
      characters.push({ index: characters.length, alphabet: a.name, name: c.name, id: c.id });
    }
    alphabets.push({ name: a.name, characters: indices });
  }
  return { name, alphabets, characters, images: unpackImages(packed, header.images, size) };
}

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

function encodeCache(header: CacheHeader, packed: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(CACHE_MAGIC.length + 4 + json.length + packed.length);
  body.set(CACHE_MAGIC, 0);
  new DataView(body.buffer).setUint32(CACHE_MAGIC.length, json.length, true);
  body.set(json, CACHE_MAGIC.length + 4);
  body.set(packed, CACHE_MAGIC.length + 4 + json.length);
  const sum = hexToBytes(digest(body));
  const out = new Uint8Array(body.length + sum.length);
  out.set(body);
  out.set(sum, body.length);
  return out;
}

/** The cached decode, or `undefined` when absent, corrupt or made from another zip. */
async function readCache(
  path: string,
  set: OmniglotSetName,
  sourceSha256: string,
): Promise<{ header: CacheHeader; packed: Uint8Array } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const why = (reason: string) => {
    console.error(`cache ${path} ${reason}; rebuilding it.`);
    return undefined;
  };
  if (bytes.length < CACHE_MAGIC.length + 4 + 32) return why("is truncated");
  if (!CACHE_MAGIC.every((b, i) => bytes[i] === b)) return why("has a wrong signature");
  const body = bytes.subarray(0, bytes.length - 32);
  if (digest(body) !== bytesToHex(bytes.subarray(bytes.length - 32))) {
    return why("fails its checksum");
  }
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(
    CACHE_MAGIC.length,
    true,
  );
  const jsonStart = CACHE_MAGIC.length + 4;
  let header: CacheHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(jsonStart, jsonStart + jsonLength)));
  } catch {
    return why("has an unreadable header");
  }
  if (header.version !== CACHE_VERSION || header.set !== set) return why("is from another version");
  if (header.sourceSha256 !== sourceSha256) return why("was built from another zip");
  const packed = body.slice(jsonStart + jsonLength);
  if (packed.length !== header.images * PACKED_IMAGE_BYTES) return why("has a wrong payload size");
  return { header, packed };
}

/**
 * Parse `all_runs.zip`: 20 runs of 20 support (`training/classNN.png`) and 20 query
 * (`test/itemNN.png`) images, with the explicit test-to-answer map of `class_labels.txt`.
 */
export function parseRuns(files: Record<string, Uint8Array>, size: number): LakeRun[] {
  return readRuns(files).map((r) => unpackRun(r, size));
}

function unpackRun(r: RunContent, size: number): LakeRun {
  const half = EXPECTED.runWays * PACKED_IMAGE_BYTES;
  return {
    name: r.name,
    training: unpackImages(r.packed.subarray(0, half), EXPECTED.runWays, size),
    test: unpackImages(r.packed.subarray(half), EXPECTED.runWays, size),
    answers: r.answers,
  };
}

/** The runs of `all_runs.zip`, packed: support images then query images, and the answers. */
function readRuns(files: Record<string, Uint8Array>): RunContent[] {
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

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
