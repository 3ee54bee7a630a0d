/**
 * One-shot accuracy broken down by a key of each trial (run, alphabet, ...), so that two
 * protocols over the same alphabets can be compared alphabet by alphabet instead of only in
 * their totals.
 */
import { ascending, rollups } from "d3-array";
import type { OneShotTrial } from "../episodes/one_shot.ts";

/** Accuracy of the trials sharing one key. */
export interface GroupAccuracy {
  group: string;
  trials: number;
  correct: number;
  /** Percent. */
  accuracy: number;
}

/**
 * Accuracy per value of `key` (default: the trial's own group), sorted by key.
 * `outcomes[i]` says whether `trials[i]` was right.
 */
export function accuracyByGroup(
  trials: readonly OneShotTrial[],
  outcomes: readonly boolean[],
  key: (trial: OneShotTrial) => string = (t) => t.group,
): GroupAccuracy[] {
  if (outcomes.length !== trials.length) {
    throw new RangeError(
      `accuracyByGroup: ${outcomes.length} outcomes for ${trials.length} trials`,
    );
  }
  return rollups(
    trials.map((t, i) => ({ group: key(t), ok: outcomes[i] })),
    (g) => ({ trials: g.length, correct: g.filter((t) => t.ok).length }),
    (t) => t.group,
  ).map(([group, { trials, correct }]) => ({
    group,
    trials,
    correct,
    accuracy: 100 * correct / trials,
  })).sort((a, b) => ascending(a.group, b.group));
}
