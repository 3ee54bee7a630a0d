/**
 * A split cut to its first alphabets, for studies of how accuracy grows with the training data
 * (`--set triplet.trainingAlphabets=20`): the characters and drawings of the first `count`
 * alphabets in the release's order, the images a prefix of the split's (no copy).
 */
import type { OmniglotSplit } from "./omniglot.ts";
import { EXPECTED } from "./splits.ts";

/** True for a count of background alphabets a net can train on: 1 to all 30. */
export function isTrainingAlphabetCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= EXPECTED.background.alphabets;
}

/**
 * `split` cut to its first `count` alphabets; `split` itself when `count` is unset or all of them.
 * @throws {RangeError} for a count outside 1 to the split's alphabets, or a split whose
 * characters are not laid out alphabet after alphabet (every release split is).
 */
export function firstAlphabets(split: OmniglotSplit, count: number | undefined): OmniglotSplit {
  if (count === undefined || count === split.alphabets.length) return split;
  if (!Number.isInteger(count) || count < 1 || count > split.alphabets.length) {
    throw new RangeError(
      `firstAlphabets: count must be a whole number from 1 to ${split.alphabets.length}, got ${count}`,
    );
  }
  const alphabets = split.alphabets.slice(0, count);
  const characters = alphabets.flatMap((a) => a.characters);
  characters.forEach((c, i) => {
    if (c !== i || split.characters[c].index !== i) {
      throw new RangeError(`firstAlphabets: ${split.name}'s characters are not in alphabet order`);
    }
  });
  const { size } = split.images;
  const images = characters.length * EXPECTED.drawers;
  return {
    name: split.name,
    alphabets,
    characters: split.characters.slice(0, characters.length),
    images: { size, count: images, pixels: split.images.pixels.subarray(0, images * size * size) },
  };
}
