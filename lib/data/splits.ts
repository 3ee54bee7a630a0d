/**
 * The fixed alphabet split of docs/interface.md, in one place. Training uses only
 * `images_background`; validation and test partition `images_evaluation`, and the test
 * alphabets are exactly those of Lake et al.'s 20 official runs.
 */

/** One of the two release zips. */
export type OmniglotSetName = "background" | "evaluation";

/** The 10 evaluation alphabets of the official runs: the one-shot test set. */
export const TEST_ALPHABETS: readonly string[] = [
  "Atlantean",
  "Ge_ez",
  "Glagolitic",
  "Gurmukhi",
  "Kannada",
  "Malayalam",
  "Manipuri",
  "Old_Church_Slavonic_(Cyrillic)",
  "Tengwar",
  "Tibetan",
];

/** The other 10 evaluation alphabets: early stopping and threshold choice only. */
export const VALIDATION_ALPHABETS: readonly string[] = [
  "Angelic",
  "Atemayar_Qelisayer",
  "Aurek-Besh",
  "Avesta",
  "Keble",
  "Mongolian",
  "Oriya",
  "Sylheti",
  "Syriac_(Serto)",
  "ULOG",
];

/** Expected shape of each release zip, verified on every load whatever the source. */
export const EXPECTED = {
  // The smallest background alphabets (Blackfoot, Ojibwe) have 14 characters: a batch can take
  // no more than that from one alphabet.
  background: { alphabets: 30, characters: 964, firstId: 1, smallestAlphabet: 14 },
  evaluation: { alphabets: 20, characters: 659, firstId: 965 },
  drawers: 20,
  runs: 20,
  runWays: 20,
} as const;
