/**
 * Omniglot (Lake et al. 2015): the two release zips and the 20 official one-shot runs.
 *
 * The zips come from `OMNIGLOT_DIR` or `data/omniglot/` (downloaded on first use when the
 * network allows). Whatever the source, the content is verified (alphabet, character and
 * drawer counts, unique ids, 105x105), decoded once and cached as bit-packed ink under
 * `data/cache/`; the cache carries the source zip's digest and its own, so a stale or
 * corrupt cache is rebuilt, never trusted.
 */
import { DataError } from "./errors.ts";
import { digest, removeStaleTemps, writeFileAtomic } from "./files.ts";
import {
  type ImageSet,
  type InkNormalization,
  OMNIGLOT_SIZE,
  PACKED_IMAGE_BYTES,
  unpackImages,
} from "./images.ts";
import { cacheDir } from "./paths.ts";
import {
  checkDigests,
  type ContentDigests,
  EXPECTED_CONTENT,
  runDigests,
  splitDigests,
} from "./omniglot_content.ts";
import { CACHE_VERSION, type CacheHeader, encodeCache, readCache } from "./omniglot_cache.ts";
import { ensureOmniglotFiles, readZip } from "./omniglot_release.ts";
import { decodeSplitZip, type StartProgress } from "./omniglot_split.ts";
import { type LakeRun, readRuns, unpackRun } from "./lake_runs.ts";
import type { OmniglotSetName } from "./splits.ts";
import { isInkBoxFill } from "./ink_box.ts";
import { isDeskewAmount } from "./deskew.ts";

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

/** Options of {@link loadOmniglot}. */
export interface LoadOmniglotOptions {
  /** Side length of the returned images (105 = as released; 35 = the paper's downsampling by 3). */
  size?: number;
  /**
   * Each image cut to the window around its ink whose longer side is this share of it, before
   * resampling (ink_box.ts); the images as released when left out.
   */
  inkBox?: number;
  /** Each image sheared back by this share of its slant first (deskew.ts); unsheared when left out. */
  deskew?: number;
  /** Folder with the three zips; defaults to `OMNIGLOT_DIR` or `data/omniglot/`. */
  dir?: string;
  /** Cache folder; defaults to `data/cache/`. */
  cache?: string;
  /** Shows decoding progress (e.g. `report/progress.ts`); none when left out. */
  progress?: StartProgress;
}

/** Background, evaluation and the official runs at one image size. */
export interface Omniglot {
  background: OmniglotSplit;
  evaluation: OmniglotSplit;
  runs: LakeRun[];
  /** Folder the zips were read from. */
  source: string;
}

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
  const { inkBox, deskew } = options;
  if (inkBox !== undefined && !isInkBoxFill(inkBox)) {
    throw new RangeError(`loadOmniglot: inkBox must be in (0, 1], got ${inkBox}`);
  }
  if (deskew !== undefined && !isDeskewAmount(deskew)) {
    throw new RangeError(`loadOmniglot: deskew must be in (0, 1], got ${deskew}`);
  }
  const form = { size, normalization: { inkBox, deskew } };
  const background = await loadSplit("background", dir, cache, form, options.progress);
  const evaluation = await loadSplit("evaluation", dir, cache, form, options.progress);
  const packedRuns = readRuns(await readZip(`${dir}/all_runs.zip`));
  checkDigests(`${dir}/all_runs.zip`, runDigests(packedRuns), EXPECTED_CONTENT.runs);
  const runs = packedRuns.map((r) => unpackRun(r, size, form.normalization));
  return { background, evaluation, runs, source: dir };
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

/** The side images are resampled to, and how they are normalised first. */
interface ImageForm {
  size: number;
  normalization: InkNormalization;
}

async function loadSplit(
  name: OmniglotSetName,
  dir: string,
  cache: string,
  form: ImageForm,
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
  return buildSplit(name, decoded.header, decoded.packed, form);
}

function buildSplit(
  name: OmniglotSetName,
  header: CacheHeader,
  packed: Uint8Array,
  form: ImageForm,
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
  const images = unpackImages(packed, header.images, form.size, form.normalization);
  return { name, alphabets, characters, images };
}
