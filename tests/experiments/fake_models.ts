/** Fakes for the tests of scoring saved models together (ensemble.ts, seed_ensemble.ts). */
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import type { SavedModel } from "../../lib/experiments/saved_models.ts";

/** Two 3-way koch-val trials whose answer is candidate 0. */
export const twoTrials: OneShotTask = {
  protocol: "koch-val",
  dataset: "omniglot-validation",
  ways: 3,
  shots: 1,
  bank: { size: 1, count: 4, pixels: new Float32Array(4) },
  trials: [
    { query: 0, support: [1, 2, 3], answer: 0, group: "a" },
    { query: 0, support: [1, 2, 3], answer: 0, group: "b" },
  ],
};

/** A fake saved model scoring each trial as given, with views as given. */
export function fakeModel(
  method: string,
  experiment: string,
  plain: number[][],
  views: number[][],
): SavedModel {
  return {
    method,
    experiment,
    dir: "",
    scores: () => plain,
    viewScores: () => views,
    dispose: () => {},
  };
}
