/**
 * Bounded slices of a profile: `reproduce --max-steps N --max-minutes M` caps every model's
 * training, and `--chunk N` sets the memory-bounded step's chunk size (gradient_cache.ts).
 * A slice of the paper profile on a CPU backend also keeps its evaluation proportionate: at
 * 105x105 the paper net embeds a few images per second on two cores, so the 6,720 images of
 * the 320 validation tasks, the 40,000 of verification and the N-way curve would take hours
 * for minutes of training. Such a slice validates on 20 tasks and reports lake-runs and
 * koch-400 only, naming what it skipped in run.json and report.md.
 */
import type { ExperimentName } from "../experiment_names.ts";
import type { RunConfig, RunSlice, SliceFlags } from "../config.ts";
import { UsageError } from "../usage_error.ts";

/** Validation trials per validation alphabet in a one-shot slice (the profile's use 32). */
export const SLICE_VALIDATION_TRIALS = 2;

/** Backends that run on a GPU; a 105x105 slice on any other evaluates one-shot only. */
const GPU_BACKENDS = ["tensorflow-gpu", "webgpu", "webgl"];

/**
 * Parse `--max-steps`, `--max-minutes` and `--chunk` (strings as given, or undefined).
 * @throws {UsageError} naming the flag when a value is not a positive integer (steps, chunk)
 * or a positive number (minutes).
 */
export function parseSliceFlags(values: {
  "max-steps"?: string;
  "max-minutes"?: string;
  chunk?: string;
}): SliceFlags {
  const integer = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n) || n < 1) {
      throw new UsageError(`--${flag} must be a positive integer, got "${text}"`);
    }
    return n;
  };
  const minutesText = values["max-minutes"];
  let maxMinutes: number | undefined;
  if (minutesText !== undefined) {
    maxMinutes = Number(minutesText);
    if (minutesText.trim() === "" || !Number.isFinite(maxMinutes) || maxMinutes <= 0) {
      throw new UsageError(`--max-minutes must be a positive number, got "${minutesText}"`);
    }
  }
  return {
    maxSteps: integer("max-steps", values["max-steps"]),
    maxMinutes,
    chunkImages: integer("chunk", values.chunk),
  };
}

/**
 * Refuse `--chunk` for a run that would train a tower with convolutional batch norm (a
 * `TowerSpec` with `batchNorm`: one after each convolution). The chunked step runs the
 * convolutions chunk by chunk, so that batch norm would normalise each chunk with its own
 * statistics, not the whole batch's; `splitForChunks` (gradient_cache.ts) refuses such a model,
 * but only at the first training step, after the data is loaded and the baseline has run.
 * Checked here from the config alone, before any work. Only the experiments that train with
 * the chunk size count: `siamese` (its tower), `triplet` (its tower; the embedding batch
 * norm runs once on the gathered embeddings and is fine), `same-tower` (the triplet's tower)
 * and `table1` (the Siamese tower).
 * @throws {UsageError} naming --chunk, the profile, the tower and why.
 */
export function checkChunking(
  config: RunConfig,
  experiments: readonly ExperimentName[],
  flags: SliceFlags,
): void {
  if (flags.chunkImages === undefined) return;
  const towers = [
    { experiment: "siamese" as const, tower: config.siamese.tower },
    { experiment: "triplet" as const, tower: config.triplet.tower },
    { experiment: "same-tower" as const, tower: config.triplet.tower },
    { experiment: "table1" as const, tower: config.siamese.tower },
  ].filter((t) => experiments.includes(t.experiment) && t.tower.batchNorm);
  if (towers.length === 0) return;
  const named = towers.map((t) => `${t.experiment} tower ("${t.tower.name}")`).join(" and ");
  const others = experiments.filter((e) => !towers.some((t) => t.experiment === e));
  throw new UsageError(
    `--chunk ${flags.chunkImages} cannot train the ${config.profile} profile's ` +
      `${named}: ${towers.length === 1 ? "it has" : "they have"} batch norm after every ` +
      `convolution, and a chunked step would normalise each chunk with per-chunk batch-norm ` +
      `statistics instead of the whole batch's, so it would not be the step it replaces. ` +
      `Leave out --chunk (this ` +
      `profile's nets fit in memory unchunked)` +
      (others.length ? `, or run --only ${others.join(",")} with it.` : "."),
  );
}

/**
 * Apply `flags` to `config` (in place) for a run on `backend`: every model's steps and
 * training seconds capped, the chunk size set, and for a 105x105 slice on a CPU backend the
 * reduced evaluation. Sets `config.slice` when any flag was given; leaves `config` untouched
 * otherwise (the profiles' runs stay what they were).
 */
export function applySlice(config: RunConfig, flags: SliceFlags, backend: string): void {
  if (flags.chunkImages !== undefined) {
    config.siamese.chunkImages = flags.chunkImages;
    config.triplet.chunkImages = flags.chunkImages;
  }
  const bounded = flags.maxSteps !== undefined || flags.maxMinutes !== undefined;
  if (!bounded && flags.chunkImages === undefined) return;
  const steps = (s: number) => Math.min(s, flags.maxSteps ?? Infinity);
  const seconds = (s: number) =>
    flags.maxMinutes === undefined ? s : Math.min(s, flags.maxMinutes * 60);
  const { siamese, triplet } = config;
  siamese.steps = steps(siamese.steps);
  siamese.maxSeconds = seconds(siamese.maxSeconds);
  siamese.table1.steps = steps(siamese.table1.steps);
  siamese.table1.maxSeconds = seconds(siamese.table1.maxSeconds);
  triplet.steps = steps(triplet.steps);
  triplet.maxSeconds = seconds(triplet.maxSeconds);

  const oneShot = bounded && config.evaluation.imageSize >= 105 &&
    !GPU_BACKENDS.includes(backend);
  const skipped: string[] = [];
  if (oneShot) {
    siamese.validationTrialsPerAlphabet = SLICE_VALIDATION_TRIALS;
    triplet.validationTrialsPerAlphabet = SLICE_VALIDATION_TRIALS;
    const validation = `validation on ${
      10 * SLICE_VALIDATION_TRIALS
    } tasks instead of 320 (${SLICE_VALIDATION_TRIALS} per validation alphabet)`;
    skipped.push(
      `siamese: ${validation}`,
      "siamese: verification (Table 1 row of the main model)",
      "siamese: the Table 1 fixed-pool models",
      "siamese: the N-way curve",
      "siamese: koch-val (2,000 validation trials)",
      `triplet: ${validation}`,
      "triplet: verification (its rows and ROC)",
      "triplet: the gallery check (it needs the verification threshold)",
      "triplet: the N-way curve",
      "triplet: koch-val (2,000 validation trials)",
    );
  }
  config.slice = { ...flags, evaluation: oneShot ? "one-shot" : "full", skipped };
}

/** One line describing a slice, for the log and report.md. */
export function describeSlice(slice: RunSlice): string {
  const parts = [
    slice.maxSteps !== undefined
      ? `at most ${slice.maxSteps} step${slice.maxSteps === 1 ? "" : "s"}`
      : "",
    slice.maxMinutes !== undefined ? `at most ${slice.maxMinutes} min of training` : "",
  ].filter(Boolean);
  const bound = parts.length ? `bounded slice: ${parts.join(" and ")} per model` : "full schedule";
  const chunk = slice.chunkImages !== undefined ? `, ${slice.chunkImages} images per chunk` : "";
  const evaluation = slice.evaluation === "one-shot"
    ? "; evaluation: lake-runs and koch-400 only"
    : "";
  return `${bound}${chunk}${evaluation}`;
}
