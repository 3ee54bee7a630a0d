/**
 * Training that a time safety net stopped before its step bound. The profiles bound
 * training by steps so that their numbers do not depend on the machine; when a time net
 * binds anyway the numbers are not the profile's, and the console, `run.json` and
 * `report.md` say so in the same words.
 */
import type { RunConfig } from "../config.ts";

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
      const model = table1
        ? `${experiment} table1 ${o.trainPairs} pairs${o.distortions ? ", distorted" : ""}`
        : typeof o.miner === "string"
        ? `${experiment}-${o.miner}`
        : experiment;
      const of = typeof o.maxSteps === "number"
        ? o.maxSteps
        : table1
        ? config.siamese.table1.steps
        : experiment === "triplet"
        ? config.triplet.steps
        : config.siamese.steps;
      stops.push({ model, step: o.steps, of, message: timeLimitMessage(o.steps, of, config) });
    }
    for (const [k, v] of Object.entries(o)) {
      if (k !== "history" && k !== "kinds") visit(v, [...path, k]);
    }
  };
  visit(details, []);
  return stops;
}

/**
 * "training stopped at step X of Y by the time limit; these numbers are not the P profile's",
 * or, when the user asked for a slice with `--max-minutes`, by that bound.
 */
export function timeLimitMessage(step: number, of: number, config: RunConfig): string {
  const minutes = config.slice?.maxMinutes;
  const by = minutes === undefined
    ? "the time limit"
    : `--max-minutes ${minutes} (a bounded slice, as asked)`;
  return `training stopped at step ${step} of ${of} by ${by}; these numbers are not ` +
    `the ${config.profile} profile's`;
}

/**
 * The console warning: a framed block that a scrolling log does not hide. A `--max-minutes`
 * slice stopped where the user asked, so it gets a note without the advice about slow machines.
 */
export function timeLimitWarning(stops: readonly TimeLimitStop[], config?: RunConfig): string {
  const rule = "!".repeat(78);
  const minutes = config?.slice?.maxMinutes;
  const advice = minutes === undefined
    ? [
      "  The machine was slower or busier than the profile allows for. Rerun on a less loaded",
      "  machine (the checkpoints and saved models are kept), or read these rows as a shorter run.",
    ]
    : ["  Read these rows as a shorter run than the profile's."];
  return [
    rule,
    minutes === undefined
      ? "WARNING: a time safety net stopped training before the profile's step bound."
      : `NOTE: --max-minutes ${minutes} ended training before the profile's step bound.`,
    ...stops.map((s) => `  ${s.model}: ${s.message}.`),
    ...advice,
    rule,
  ].join("\n");
}
