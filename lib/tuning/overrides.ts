/**
 * `--set block.field=value`: a change to one setting of a profile's Siamese or triplet block,
 * for validation studies (`deno task tune`). Only settings that exist can be set, each to a value
 * of its own type (a number where the profile has a number, one of the allowed words where it has
 * a word), so a typo is refused before any training rather than silently ignored.
 */
import { UsageError } from "../usage_error.ts";
import { TOWERS } from "../models/towers.ts";
import { LR_SCHEDULES, type RunConfig } from "../config.ts";
import { isQuarterTurnCount, MAX_QUARTER_TURNS } from "../training/quarter_turns.ts";
import { isImageProbability } from "../training/each_image.ts";
import { isElasticDisplacement } from "../training/elastic_distortions.ts";
import { isDoppelgangerCount } from "../training/doppelgangers.ts";
import { isSharpnessRadius } from "../training/sharpness.ts";
import { isDropoutRate } from "../models/seeded_dropout.ts";
import { PAIR_MININGS } from "../training/siamese_loss.ts";
import { SIAMESE_HEADS } from "../models/cosine_head.ts";
import { isWeightAverageDecay } from "../training/weight_average.ts";
import { isInkBoxFill } from "../data/ink_box.ts";
import { isDeskewAmount } from "../data/deskew.ts";
import { isTrainingAlphabetCount } from "../data/alphabet_subset.ts";
import { EXPECTED } from "../data/splits.ts";

/** The blocks `--set` reaches: the two trained families. */
const BLOCKS = ["siamese", "triplet"] as const;

/**
 * The one evaluation setting `--set` reaches: the image side every model and koch-val see. It
 * resizes both towers (their `inputSize`), as a profile's `evaluation.imageSize` does.
 */
const IMAGE_SIZE = "evaluation.imageSize";

/** The other evaluation settings `--set` reaches: Omniglot cut to its ink boxes (ink_box.ts) and
 * sheared back by its slant (deskew.ts). */
const INK_BOX = "evaluation.inkBox";
const DESKEW = "evaluation.deskew";

/** The evaluation settings that take a share above 0 up to 1: their check and what they take. */
const SHARES: Record<
  string,
  { key: "inkBox" | "deskew"; valid(n: number): boolean; takes: string }
> = {
  [INK_BOX]: { key: "inkBox", valid: isInkBoxFill, takes: "the box's share of the window" },
  [DESKEW]: { key: "deskew", valid: isDeskewAmount, takes: "the share of the slant removed" },
};

/** Image sides Omniglot can be loaded at (lib/data/omniglot.ts): downsampled from 105 only. */
const IMAGE_SIZES = { min: 8, max: 105 } as const;

/** Settings that hold a word, and the words each accepts. */
const WORDS: Record<string, readonly string[]> = {
  optimizer: ["adam", "sgd"],
  distance: ["squared-l2", "l2", "cosine"],
  loss: ["margin", "soft-margin", "softmax"],
  "tower.denseActivation": ["sigmoid", "linear", "relu"],
  "tower.init": ["koch", "he"],
  pairMining: PAIR_MININGS,
  head: SIAMESE_HEADS,
  lrSchedule: LR_SCHEDULES,
};

/** Settings a profile may leave unset (by name in either block, or by block.name), and the type each takes when set. */
const OPTIONAL: Record<string, "number" | "boolean" | "word"> = {
  chunkImages: "number",
  validationTrialsPerAlphabet: "number",
  quarterTurns: "number",
  thickStrokes: "number",
  elastic: "number",
  erasing: "number",
  weightAverage: "number",
  sharpness: "number",
  lrSchedule: "word",
  mirrors: "boolean",
  // The Siamese block's only (the triplet embedding is always normalised).
  "siamese.normalizedFeatures": "boolean",
  "siamese.pairMining": "word",
  "siamese.head": "word",
  "siamese.tripletWeight": "number",
  "triplet.classWeight": "number",
  "triplet.classScale": "number",
  "triplet.softmaxScale": "number",
  "triplet.l2": "number",
  "triplet.doppelgangers": "number",
  "tower.batchNorm": "boolean",
  "tower.dropout": "number",
  trainingAlphabets: "number",
};

/** What a number setting accepts, and how a refusal says it. */
interface NumberRange {
  accepts(n: number): boolean;
  says: string;
}

const COUNT: NumberRange = {
  accepts: (n) => Number.isInteger(n) && n >= 1,
  says: "takes a whole number from 1 up",
};
const POSITIVE: NumberRange = { accepts: (n) => n > 0, says: "takes a number above 0" };
const NON_NEGATIVE: NumberRange = { accepts: (n) => n >= 0, says: "takes a number from 0 up" };

/**
 * The range of every number setting, by its name within its block, so that a value no training
 * could use (a negative rate, half a drawing, no steps) is refused at parsing with exit 2 rather
 * than after the data has loaded, or never. A number setting missing here is a bug (a test reads
 * every number of the profiles' blocks through `parseOverride`).
 */
const NUMBER_RANGES: Record<string, NumberRange> = {
  batchCharacters: COUNT,
  // A character's drawings make its positive pairs (and a triplet's anchor and positive).
  batchDrawings: {
    accepts: (n) => Number.isInteger(n) && n >= 2,
    says: "takes a whole number from 2 up (a character's drawings make the positive pairs)",
  },
  batchPerAlphabet: COUNT,
  steps: COUNT,
  validateEvery: COUNT,
  patience: COUNT,
  decayEvery: COUNT,
  momentumEpochs: COUNT,
  collapsePatience: COUNT,
  embeddingDim: COUNT,
  chunkImages: COUNT,
  validationTrialsPerAlphabet: COUNT,
  "tower.dense": COUNT,
  // The towers take their side from the images, which `evaluation.imageSize` sets.
  "tower.inputSize": {
    accepts: () => false,
    says: `follows the images: set ${IMAGE_SIZE} instead`,
  },
  learningRate: POSITIVE,
  maxSeconds: POSITIVE,
  classScale: POSITIVE,
  softmaxScale: POSITIVE,
  l2: NON_NEGATIVE,
  focus: NON_NEGATIVE,
  margin: NON_NEGATIVE,
  sameAlphabetWeight: NON_NEGATIVE,
  classWeight: NON_NEGATIVE,
  tripletWeight: NON_NEGATIVE,
  lrDecay: {
    accepts: (n) => n > 0 && n <= 1,
    says: "takes a factor above 0 up to 1 (1: no decay)",
  },
  momentum: {
    accepts: (n) => n >= 0 && n < 1,
    says: "takes a number from 0 up to (not including) 1",
  },
  quarterTurns: {
    accepts: isQuarterTurnCount,
    says: `takes a whole number from 1 (no turns) to ${MAX_QUARTER_TURNS}`,
  },
  thickStrokes: { accepts: isImageProbability, says: "takes a probability from 0 to 1" },
  elastic: {
    accepts: isElasticDisplacement,
    says: "takes a displacement above 0 up to 20 (pixels of a 105x105 image)",
  },
  erasing: { accepts: isImageProbability, says: "takes a probability from 0 to 1" },
  doppelgangers: { accepts: isDoppelgangerCount, says: "takes a whole number from 1 to 100" },
  sharpness: { accepts: isSharpnessRadius, says: "takes a distance above 0, e.g. 0.05" },
  "tower.dropout": { accepts: isDropoutRate, says: "takes a share above 0 and below 1, e.g. 0.2" },
  trainingAlphabets: {
    accepts: isTrainingAlphabetCount,
    says: `takes a whole number of background alphabets from 1 to ${EXPECTED.background.alphabets}`,
  },
  weightAverage: {
    accepts: isWeightAverageDecay,
    says: "takes a decay from 0 up to (not including) 1, e.g. 0.999",
  },
};

/** One parsed `--set`: where, the value, and the text it came from. */
export interface Override {
  /** `siamese.batchPerAlphabet`. */
  path: string;
  value: number | boolean | string;
}

/**
 * Parse `path=value` against `config` (the profile's resolved settings). `siamese.tower` and
 * `triplet.tower` take a tower's name (`TOWERS`); lists (`convs`, `miners`, `table1`) cannot be
 * set. @throws {UsageError} naming the `--set` and what it accepts.
 */
export function parseOverride(text: string, config: RunConfig): Override {
  const eq = text.indexOf("=");
  const path = eq < 0 ? text : text.slice(0, eq).trim();
  const raw = eq < 0 ? "" : text.slice(eq + 1).trim();
  const bad = (why: string) => new UsageError(`--set "${text}": ${why}`);
  if (eq < 0 || raw === "") {
    throw bad("give a setting and a value, e.g. siamese.batchPerAlphabet=4");
  }
  if (path === IMAGE_SIZE) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < IMAGE_SIZES.min || n > IMAGE_SIZES.max) {
      throw bad(
        `${path} takes a whole number of pixels from ${IMAGE_SIZES.min} to ${IMAGE_SIZES.max}`,
      );
    }
    return { path, value: n };
  }
  const share = Object.hasOwn(SHARES, path) ? SHARES[path] : undefined;
  if (share) {
    const n = Number(raw);
    if (!share.valid(n)) throw bad(`${path} takes ${share.takes}, above 0 up to 1`);
    return { path, value: n };
  }
  const [block, ...rest] = path.split(".");
  if (!(BLOCKS as readonly string[]).includes(block) || rest.length === 0) {
    throw bad(
      `the setting must start with ${BLOCKS.join(" or ")}, e.g. siamese.learningRate ` +
        `(or be ${IMAGE_SIZE}, ${INK_BOX} or ${DESKEW})`,
    );
  }
  const key = rest.join(".");
  if (key === "tower") {
    if (!Object.hasOwn(TOWERS, raw)) {
      throw bad(`unknown tower "${raw}"; choose one of ${Object.keys(TOWERS).join(", ")}`);
    }
    return { path, value: raw };
  }
  let current: unknown = config[block as typeof BLOCKS[number]];
  for (const part of rest) {
    current = typeof current === "object" && current !== null && !Array.isArray(current)
      ? (current as Record<string, unknown>)[part]
      : undefined;
  }
  const kind = current === undefined ? OPTIONAL[path] ?? OPTIONAL[key] : typeof current;
  if (kind === undefined) throw bad(`${path} is not a setting of the ${config.profile} profile`);
  if (kind === "object") {
    throw bad(`${path} is a list or a block; set one of its numbers, words or switches`);
  }
  if (kind === "number") {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw bad(`${path} takes a number, got "${raw}"`);
    const range = NUMBER_RANGES[key];
    if (!range) {
      throw new Error(`--set: ${path} is a number setting without a range in overrides.ts`);
    }
    if (!range.accepts(n)) throw bad(`${path} ${range.says}, got ${raw}`);
    return { path, value: n };
  }
  if (kind === "boolean") {
    if (raw !== "true" && raw !== "false") throw bad(`${path} takes true or false, got "${raw}"`);
    return { path, value: raw === "true" };
  }
  const words = WORDS[key];
  if (!words) throw bad(`${path} cannot be set`);
  if (!words.includes(raw)) throw bad(`${path} takes one of ${words.join(", ")}, got "${raw}"`);
  return { path, value: raw };
}

/**
 * `config` with `overrides` applied, in order, deep-copied. A tower given by name is sized to
 * the profile's images and keeps the dense activation its block needs (sigmoid features for the
 * Siamese head, a linear embedding for the triplet loss) unless a later override sets it.
 * `evaluation.imageSize` resizes the images and both towers, whichever comes first.
 */
export function applyOverrides(config: RunConfig, overrides: readonly Override[]): RunConfig {
  const out = structuredClone(config);
  for (const { path, value } of overrides) {
    if (path === IMAGE_SIZE) {
      const size = value as number;
      out.evaluation.imageSize = size;
      out.siamese.tower.inputSize = size;
      out.triplet.tower.inputSize = size;
      continue;
    }
    if (Object.hasOwn(SHARES, path)) {
      out.evaluation[SHARES[path].key] = value as number;
      continue;
    }
    const [block, ...rest] = path.split(".");
    const target = out[block as typeof BLOCKS[number]] as unknown as Record<string, unknown>;
    if (rest.length === 1 && rest[0] === "tower") {
      const spec = TOWERS[value as string];
      target.tower = {
        ...structuredClone(spec),
        inputSize: out.evaluation.imageSize,
        denseActivation: block === "siamese" ? "sigmoid" : "linear",
      };
      continue;
    }
    let node = target;
    for (const part of rest.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[rest[rest.length - 1]] = value;
  }
  return out;
}

/** `a=1; b=x` of the overrides, or `(profile defaults)`: how a study's row names its setting. */
export function describeOverrides(overrides: readonly Override[]): string {
  return overrides.length === 0
    ? "(profile defaults)"
    : overrides.map((o) => `${o.path}=${o.value}`).join("; ");
}
