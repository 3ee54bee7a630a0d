/** The experiments `reproduce` runs, by name, and the `--only` flag that picks them. */
import { UsageError } from "./usage_error.ts";

/** Experiments of docs/interface.md that `reproduce` runs by default, in the order it runs them. */
export const EXPERIMENTS = [
  "baseline",
  "siamese",
  "triplet",
  "same-tower",
  "ensemble",
  "mnist",
] as const;

/**
 * Experiments that run only when `--only` names them (too long for the default run), after the
 * default ones they are named with.
 */
export const OPT_IN_EXPERIMENTS = ["table1"] as const;

export type ExperimentName = typeof EXPERIMENTS[number] | typeof OPT_IN_EXPERIMENTS[number];

/** Every experiment `--only` accepts, in the order `reproduce` runs them. */
const ALL_EXPERIMENTS: readonly ExperimentName[] = [...EXPERIMENTS, ...OPT_IN_EXPERIMENTS];

/**
 * Parse `--only a,b` into experiment names, in run order; undefined: the default run
 * (`EXPERIMENTS`, not the opt-in ones). @throws {UsageError} on an unknown name.
 */
export function parseOnly(only: string | undefined): ExperimentName[] {
  if (only === undefined) return [...EXPERIMENTS];
  const names = only.split(",").map((s) => s.trim()).filter(Boolean);
  const choices = `${ALL_EXPERIMENTS.join(", ")} (${
    OPT_IN_EXPERIMENTS.join(", ")
  } only when named)`;
  if (names.length === 0) {
    throw new UsageError(
      `--only "${only}" names no experiment; choose from ${choices} ` +
        `(or leave --only out to run the default ones)`,
    );
  }
  for (const n of names) {
    if (!(ALL_EXPERIMENTS as readonly string[]).includes(n)) {
      throw new UsageError(`unknown experiment "${n}" in --only; choose from ${choices}`);
    }
  }
  return ALL_EXPERIMENTS.filter((e) => names.includes(e));
}
