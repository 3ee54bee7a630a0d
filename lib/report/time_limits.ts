/**
 * Training that a time safety net stopped before its step bound. The profiles bound
 * training by steps so that their numbers do not depend on the machine; when a time net
 * binds anyway the numbers are not the profile's, and the console, `run.json` and
 * `report.md` say so in the same words.
 */
import type { RunConfig } from "../config.ts";
import { sameTowerConfig } from "../experiments/same_tower_config.ts";

/** One model whose training the time limit stopped. */
export interface TimeLimitStop {
  /** Which model: `siamese`, `siamese table1 30000 pairs, distorted`, `triplet-batch-hard`. */
  model: string;
  /** Steps trained. */
  step: number;
  /** The profile's step bound for that model. */
  of: number;
  /** The sentence the console, run.json and report.md carry. */
  message: string;
  /** True when the user's `--max-minutes` stopped it (a slice), not a safety net. */
  bySlice: boolean;
}

/**
 * The time-limit stops recorded in an experiment's `details` (fresh or reused models: the
 * saved training records carry `stoppedBy`).
 */
export function timeLimitStops(
  experiment: string,
  details: unknown,
  config: RunConfig,
): TimeLimitStop[] {
  const stops: TimeLimitStop[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, String(i)]));
      return;
    }
    const o = value as Record<string, unknown>;
    if (o.stoppedBy === "time" && typeof o.steps === "number") {
      const table1 = path.includes("table1");
      // The `table1` experiment's models: named by their point, their bounds in their record.
      const model = experiment === "table1"
        ? `table1 ${o.trainPairs} pairs${o.distortions ? ", distorted" : ""}`
        : table1
        ? `${experiment} table1 ${o.trainPairs} pairs${o.distortions ? ", distorted" : ""}`
        : typeof o.miner === "string"
        ? `${experiment}-${o.miner}`
        : experiment;
      const bounds = table1 ? config.siamese.table1 : trainedBlock(experiment, config);
      const of = typeof o.maxSteps === "number" ? o.maxSteps : bounds.steps;
      const maxSeconds = typeof o.maxSeconds === "number" ? o.maxSeconds : bounds.maxSeconds;
      stops.push({
        model,
        step: o.steps,
        of,
        message: timeLimitMessage(o.steps, of, config, maxSeconds),
        bySlice: stoppedBySlice(config, maxSeconds),
      });
    }
    for (const [k, v] of Object.entries(o)) {
      if (k !== "history" && k !== "kinds") visit(v, [...path, k]);
    }
  };
  visit(details, []);
  return stops;
}

/**
 * The step and time bounds of the training block an experiment's models train with, where their
 * records do not carry them: the triplet block, the same-tower net's derived block (the triplet's
 * steps, its own time net), else the Siamese block.
 */
function trainedBlock(
  experiment: string,
  config: RunConfig,
): { steps: number; maxSeconds: number } {
  if (experiment === "triplet") return config.triplet;
  if (experiment === "same-tower") return sameTowerConfig(config);
  return config.siamese;
}

/**
 * Whether a model's time stop is the user's `--max-minutes` bound: the run is a slice and that
 * bound is the model's time limit (`applySlice` set it to the smaller of the two), not the
 * profile's own safety net below it. Without `maxSeconds`, any slice's.
 */
export function stoppedBySlice(config: RunConfig, maxSeconds?: number): boolean {
  const minutes = config.slice?.maxMinutes;
  return minutes !== undefined && (maxSeconds === undefined || maxSeconds >= minutes * 60);
}

/**
 * "training stopped at step X of Y by the time limit; these numbers are not the P profile's",
 * or, when the user asked for a slice with `--max-minutes` and that bound stopped it
 * (`maxSeconds`: the model's time limit), by that bound.
 */
export function timeLimitMessage(
  step: number,
  of: number,
  config: RunConfig,
  maxSeconds?: number,
): string {
  const by = stoppedBySlice(config, maxSeconds)
    ? `${SLICE_BOUND} ${config.slice!.maxMinutes} (a bounded slice, as asked)`
    : "the time limit";
  return `training stopped at step ${step} of ${of} by ${by}; these numbers are not ` +
    `the ${config.profile} profile's`;
}

/** How a stop by the user's bound is named in the messages. */
const SLICE_BOUND = "--max-minutes";

/**
 * The console warning: a framed block that a scrolling log does not hide. Stops where a
 * `--max-minutes` slice asked get a note without the advice about slow machines; a safety net
 * that bound (in a slice too, when it is below the user's bound) keeps the warning.
 */
export function timeLimitWarning(stops: readonly TimeLimitStop[], config?: RunConfig): string {
  const rule = "!".repeat(78);
  const minutes = config?.slice?.maxMinutes;
  const asked = stops.every((s) => s.bySlice);
  const advice = !asked
    ? [
      "  The machine was slower or busier than the profile allows for. Rerun on a less loaded",
      "  machine (the checkpoints and saved models are kept), or read these rows as a shorter run.",
    ]
    : ["  Read these rows as a shorter run than the profile's."];
  return [
    rule,
    !asked
      ? "WARNING: a time safety net stopped training before the profile's step bound."
      : `NOTE: --max-minutes ${minutes} ended training before the profile's step bound.`,
    ...stops.map((s) => `  ${s.model}: ${s.message}.`),
    ...advice,
    rule,
  ].join("\n");
}

/** run.json's `timeLimit` lines of an experiment's stops: "model: message". */
export function timeLimitLines(stops: readonly TimeLimitStop[]): string[] {
  return stops.map((s) => `${s.model}: ${s.message}`);
}

/** Whether a line of run.json's `timeLimit` ("model: message") is a stop the user's slice asked for. */
export function isSliceStopLine(line: string): boolean {
  return line.includes(` by ${SLICE_BOUND} `);
}

/**
 * The heading of report.md's stop list: a warning when a safety net bound, a note when every
 * stop is the `--max-minutes` bound the user asked for.
 */
export function timeLimitHeading(lines: readonly string[]): string {
  return lines.every(isSliceStopLine)
    ? "Note: stopped by --max-minutes, as asked (a bounded slice)."
    : "Warning: stopped by a time limit.";
}

/** "2 stopped by the time limit", "1 stopped by --max-minutes", or both, for a count of stops. */
export function timeLimitCount(lines: readonly string[]): string {
  const asked = lines.filter(isSliceStopLine).length;
  const net = lines.length - asked;
  return [
    asked ? `${asked} stopped by ${SLICE_BOUND}` : "",
    net ? `${net} stopped by the time limit` : "",
  ].filter(Boolean).join(", ");
}
