/**
 * The episodes early stopping watches (Koch et al. section 3.2: "we used 320 one-shot
 * learning tasks generated randomly from the alphabets and drawers in the validation set").
 * Our validation alphabets are the 10 of `images_evaluation` that the official runs do not
 * use, so test alphabets are never looked at during training.
 */
import type { OmniglotSplit } from "../data/omniglot.ts";
import { VALIDATION_ALPHABETS } from "../data/splits.ts";
import type { Rng } from "../rng.ts";
import { type OneShotTask, withinAlphabetTask } from "./one_shot.ts";

/** The 320 validation trials: 20-way within-alphabet, 32 per validation alphabet. */
export function validationTask(
  evaluation: OmniglotSplit,
  rng: Rng,
  trialsPerAlphabet = 32,
): OneShotTask {
  return withinAlphabetTask(evaluation, rng, {
    ways: 20,
    trialsPerAlphabet,
    alphabets: VALIDATION_ALPHABETS,
    protocol: "n-way",
  });
}
