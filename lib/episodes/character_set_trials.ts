/**
 * Lake's character set of each alphabet against random character sets of the same alphabet,
 * under the same drawer pairs: whether the 20 characters the official runs use are easier
 * than 20 characters drawn at random (as koch-400 draws them) is then a rank among sets
 * scored on identical drawer pairs, not a difference between two noisy constructions.
 *
 * For every alphabet: `pairs` random (query drawer, support drawer) pairs, shared by all its
 * sets; set 0 is Lake's characters, sets 1..`sets` are random draws of as many characters of
 * the alphabet. Every (set, pair) gives one trial per character (the set's characters by the
 * support drawer as candidates, in set order). `trial.group` is `<alphabet>#<set>`.
 */
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import type { Rng } from "../rng.ts";
import type { OneShotTask, OneShotTrial } from "./one_shot.ts";
import type { RunSource } from "./run_sources.ts";

/** Options of {@link characterSetTask}. */
export interface CharacterSetOptions {
  /** Random character sets per alphabet besides Lake's. */
  sets: number;
  /** Random drawer pairs per alphabet, shared by its sets. */
  pairs: number;
}

/** The group of set `set` (0 = Lake's) of `alphabet`. */
export function characterSetGroup(alphabet: string, set: number): string {
  return `${alphabet}#${set}`;
}

/** Lake's character set per alphabet (the characters of its first official run). */
export function lakeCharacterSets(sources: readonly RunSource[]): Map<string, number[]> {
  const sets = new Map<string, number[]>();
  for (const run of sources) if (!sets.has(run.alphabet)) sets.set(run.alphabet, run.characters);
  return sets;
}

/** The trials described above, on the split's images. */
export function characterSetTask(
  split: OmniglotSplit,
  sources: readonly RunSource[],
  rng: Rng,
  options: CharacterSetOptions,
): OneShotTask {
  const { sets, pairs } = options;
  for (const [name, v] of Object.entries({ sets, pairs })) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`characterSetTask: ${name} must be a positive integer, got ${v}`);
    }
  }
  const lake = lakeCharacterSets(sources);
  if (lake.size === 0) throw new RangeError("characterSetTask: no runs");
  const D = EXPECTED.drawers;
  const trials: OneShotTrial[] = [];
  let ways = 0;
  for (const [name, official] of lake) {
    const alphabet = split.alphabets.find((a) => a.name === name);
    if (!alphabet) {
      throw new RangeError(`characterSetTask: alphabet ${name} is not in ${split.name}`);
    }
    ways = official.length;
    const drawerPairs = Array.from({ length: pairs }, () => rng.sample(D, 2));
    const characterSets = [
      official,
      ...Array.from(
        { length: sets },
        () => rng.sample(alphabet.characters.length, ways).map((i) => alphabet.characters[i]),
      ),
    ];
    characterSets.forEach((chars, s) => {
      for (const [queryDrawer, supportDrawer] of drawerPairs) {
        const support = chars.map((c) => c * D + supportDrawer);
        chars.forEach((c, k) =>
          trials.push({
            query: c * D + queryDrawer,
            support,
            answer: k,
            group: characterSetGroup(name, s),
          })
        );
      }
    });
  }
  return { protocol: "n-way", dataset: "omniglot", ways, shots: 1, bank: split.images, trials };
}
