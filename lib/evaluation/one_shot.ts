/**
 * Scoring one-shot tasks. A scorer gives every candidate of a trial a similarity to the
 * query (higher = more likely the same class). A trial is correct only when the right
 * candidate's score is strictly above every other's: a tie is never broken toward the
 * right answer (docs/interface.md), so a constant scorer is scored at 0, below chance, and a
 * random one at chance.
 */
import { mean, rollup } from "d3-array";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { wilson } from "./intervals.ts";

/** Similarities of each trial's candidates, `[trials][ways]`. */
export type TrialScores = ArrayLike<number>[];

/** Outcome of one task. */
export interface OneShotResult {
  protocol: OneShotTask["protocol"];
  dataset: OneShotTask["dataset"];
  ways: number;
  shots: number;
  trials: number;
  correct: number;
  /** Percent. For lake-runs the mean of the per-run accuracies, as Lake's demo reports. */
  accuracy: number;
  /** 95% interval, percent. */
  ciLow: number;
  ciHigh: number;
  /** Whether each trial was right, in task order. */
  outcomes: boolean[];
  /** Candidate chosen in each trial (the first of the best; -1 when scores are not finite). */
  chosen: number[];
}

/** True when the right candidate scores strictly higher than all others. */
export function trialCorrect(scores: ArrayLike<number>, answer: number): boolean {
  const right = scores[answer];
  if (!Number.isFinite(right)) return false;
  for (let k = 0; k < scores.length; k++) {
    if (k !== answer && !(scores[k] < right)) return false;
  }
  return true;
}

/** Score a task from its candidates' similarities. */
export function scoreOneShot(task: OneShotTask, scores: TrialScores): OneShotResult {
  if (scores.length !== task.trials.length) {
    throw new RangeError(
      `scoreOneShot: ${scores.length} score rows for ${task.trials.length} trials`,
    );
  }
  const outcomes: boolean[] = [];
  const chosen: number[] = [];
  task.trials.forEach((t, i) => {
    const s = scores[i];
    if (s.length !== task.ways) {
      throw new RangeError(
        `scoreOneShot: trial ${i} has ${s.length} scores, expected ${task.ways}`,
      );
    }
    const ok = trialCorrect(s, t.answer);
    outcomes.push(ok);
    let best = -1;
    for (let k = 0; k < s.length; k++) {
      if (Number.isFinite(s[k]) && (best < 0 || s[k] > s[best])) best = k;
    }
    chosen.push(best);
  });
  const correct = outcomes.filter(Boolean).length;
  const n = outcomes.length;
  // Lake's demo averages the per-run error; with equal-size runs it equals the pooled rate.
  const accuracy = task.protocol === "lake-runs"
    ? mean(
      rollup(
        task.trials.map((t, i) => ({ group: t.group, ok: outcomes[i] })),
        (g) => g.filter((t) => t.ok).length / g.length,
        (t) => t.group,
      ).values(),
    )!
    : correct / n;
  const ci = wilson(correct, n);
  return {
    protocol: task.protocol,
    dataset: task.dataset,
    ways: task.ways,
    shots: task.shots,
    trials: n,
    correct,
    accuracy: 100 * accuracy,
    ciLow: 100 * ci.low,
    ciHigh: 100 * ci.high,
    outcomes,
    chosen,
  };
}
