/**
 * Lake's choice of one factor against random choices of it, with the other factor drawn at
 * random but shared: whether the official runs' characters (or drawers) are easier than
 * koch-400's random draw is then a rank among draws scored on identical trials otherwise,
 * not a difference between two noisy constructions.
 *
 * - `characters`, per alphabet: Lake's 20 characters (draw 0) and `draws` random sets of as
 *   many characters of the alphabet, all on the same `shared` random (query drawer, support
 *   drawer) pairs.
 * - `drawers`, per official run: the run's drawers (draw 0) and `draws` random pairs of
 *   distinct drawers (one for the supports, one for the queries), all on the same `shared`
 *   random character sets of the run's alphabet.
 *
 * Every (draw, shared draw) gives one trial per character, candidates in set order.
 * `trial.group` is `<unit>#<draw>`, the unit being the alphabet or the run.
 */
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import type { Rng } from "../rng.ts";
import type { OneShotTask, OneShotTrial } from "./one_shot.ts";
import type { RunSource } from "./run_sources.ts";

/** The factor whose official choice is ranked among random ones. */
export type SpreadFactor = "characters" | "drawers";

/** Options of {@link factorSpreadTask}. */
export interface FactorSpreadOptions {
  /** Random draws of the factor per unit besides the official one. */
  draws: number;
  /** Random draws of the other factor per unit, shared by all its draws. */
  shared: number;
}

/** The group of draw `draw` (0 = the official one) of `unit`. */
export function spreadGroup(unit: string, draw: number): string {
  return `${unit}#${draw}`;
}

/** Lake's character set per alphabet (the characters of its first official run). */
export function lakeCharacterSets(sources: readonly RunSource[]): Map<string, number[]> {
  const sets = new Map<string, number[]>();
  for (const run of sources) if (!sets.has(run.alphabet)) sets.set(run.alphabet, run.characters);
  return sets;
}

/** The trials described above, on the split's images. */
export function factorSpreadTask(
  split: OmniglotSplit,
  sources: readonly RunSource[],
  factor: SpreadFactor,
  rng: Rng,
  options: FactorSpreadOptions,
): OneShotTask {
  const { draws, shared } = options;
  for (const [name, v] of Object.entries({ draws, shared })) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`factorSpreadTask: ${name} must be a positive integer, got ${v}`);
    }
  }
  if (sources.length === 0) throw new RangeError("factorSpreadTask: no runs");
  const D = EXPECTED.drawers;
  const ways = sources[0].characters.length;
  const randomSet = (alphabetName: string) => {
    const alphabet = split.alphabets.find((a) => a.name === alphabetName);
    if (!alphabet) {
      throw new RangeError(`factorSpreadTask: alphabet ${alphabetName} is not in ${split.name}`);
    }
    return rng.sample(alphabet.characters.length, ways).map((i) => alphabet.characters[i]);
  };
  /** Drawers per slot: the support drawer and the query drawer of class k. */
  type Drawers = { support: number[]; query: number[] };
  const randomPair = (): Drawers => {
    const [query, support] = rng.sample(D, 2);
    return { support: Array(ways).fill(support), query: Array(ways).fill(query) };
  };
  const trials: OneShotTrial[] = [];
  const emit = (group: string, chars: readonly number[], drawers: Drawers) => {
    const support = chars.map((c, k) => c * D + drawers.support[k]);
    chars.forEach((c, k) =>
      trials.push({ query: c * D + drawers.query[k], support, answer: k, group })
    );
  };
  if (factor === "characters") {
    for (const [alphabet, official] of lakeCharacterSets(sources)) {
      const pairs = Array.from({ length: shared }, randomPair);
      const sets = [official, ...Array.from({ length: draws }, () => randomSet(alphabet))];
      sets.forEach((chars, s) => {
        for (const pair of pairs) emit(spreadGroup(alphabet, s), chars, pair);
      });
    }
  } else {
    for (const run of sources) {
      const sets = Array.from({ length: shared }, () => randomSet(run.alphabet));
      const query = Array<number>(ways);
      run.answers.forEach((k, q) => query[k] = run.queryDrawers[q]);
      const pairs = [
        { support: run.supportDrawers, query },
        ...Array.from({ length: draws }, randomPair),
      ];
      pairs.forEach((pair, p) => {
        for (const chars of sets) emit(spreadGroup(run.name, p), chars, pair);
      });
    }
  }
  return { protocol: "n-way", dataset: "omniglot", ways, shots: 1, bank: split.images, trials };
}
