/**
 * Lake's official runs rebuilt on the evaluation split with one factor of their
 * construction replaced by koch-400's random draw, so that a gap between lake-runs and
 * koch-400 can be traced to the factor that causes it. A run is 20 characters of one
 * alphabet, every support image by one drawer and every query by another (all_runs.zip
 * has this shape, `locateRuns` recovers it); koch-400 draws both at random.
 *
 * - characters `official`: the run's 20 characters; `random`: 20 characters drawn from the
 *   run's alphabet, as koch-400 draws them.
 * - drawers `official`: the run's drawer of each support and query image; `random`: two
 *   distinct drawers of the 20, one for the supports and one for the queries.
 *
 * Each run keeps its 20 queries in its own order with its answer map, so a variant's trials
 * are grouped by run (`trial.group` is the run's name) like lake-runs' own.
 */
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import type { Rng } from "../rng.ts";
import type { OneShotTask, OneShotTrial } from "./one_shot.ts";
import type { RunSource } from "./run_sources.ts";

/** Which of a run's two factors are kept (`official`) or drawn as koch-400 draws them. */
export interface RunVariant {
  characters: "official" | "random";
  drawers: "official" | "random";
}

/** The four combinations, in the order the analysis reports them. */
export const RUN_VARIANTS: readonly RunVariant[] = [
  { characters: "official", drawers: "official" },
  { characters: "official", drawers: "random" },
  { characters: "random", drawers: "official" },
  { characters: "random", drawers: "random" },
];

/** A short label: `official characters, random drawers`. */
export function runVariantLabel(v: RunVariant): string {
  return `${v.characters} characters, ${v.drawers} drawers`;
}

/**
 * The trials of `sources` (runs located in `split`) under `variant`, `repeats` fresh draws
 * of each run (20 trials per run and draw). With both factors official the draws are all the
 * same, so `repeats` is taken as 1: the task is lake-runs itself, on the split's images.
 * The task is labelled `lake-runs` (its layout: runs of 20 trials, grouped by run).
 */
export function runVariantTask(
  split: OmniglotSplit,
  sources: readonly RunSource[],
  variant: RunVariant,
  rng: Rng,
  repeats = 1,
): OneShotTask {
  if (sources.length === 0) throw new RangeError("runVariantTask: no runs");
  if (!(Number.isInteger(repeats) && repeats >= 1)) {
    throw new RangeError(`runVariantTask: repeats must be a positive integer, got ${repeats}`);
  }
  const ways = sources[0].characters.length;
  const draws = variant.characters === "official" && variant.drawers === "official" ? 1 : repeats;
  const trials: OneShotTrial[] = [];
  for (const run of sources) {
    const alphabet = split.alphabets.find((a) => a.name === run.alphabet);
    if (!alphabet) {
      throw new RangeError(`runVariantTask: alphabet ${run.alphabet} is not in ${split.name}`);
    }
    if (run.characters.length !== ways) {
      throw new RangeError(`runVariantTask: ${run.name} has ${run.characters.length} slots`);
    }
    for (let r = 0; r < draws; r++) {
      const characters = variant.characters === "official"
        ? run.characters
        : rng.sample(alphabet.characters.length, ways).map((i) => alphabet.characters[i]);
      let supportDrawers = run.supportDrawers, queryDrawers = run.queryDrawers;
      if (variant.drawers === "random") {
        const [queryDrawer, supportDrawer] = rng.sample(EXPECTED.drawers, 2);
        supportDrawers = supportDrawers.map(() => supportDrawer);
        queryDrawers = queryDrawers.map(() => queryDrawer);
      }
      const support = characters.map((c, k) => c * EXPECTED.drawers + supportDrawers[k]);
      run.answers.forEach((k, q) =>
        trials.push({
          query: characters[k] * EXPECTED.drawers + queryDrawers[q],
          support,
          answer: k,
          group: run.name,
        })
      );
    }
  }
  return {
    protocol: "lake-runs",
    dataset: "omniglot",
    ways,
    shots: 1,
    bank: split.images,
    trials,
  };
}
