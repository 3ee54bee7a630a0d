/**
 * What makes a one-shot trial hard for a given similarity, measured per trial so that two
 * protocols can be compared on more than their accuracy:
 *
 * - `margin`: the right candidate's similarity to the query minus the best wrong one's
 *   (positive = right; in the scorer's own units, so compare within one model only);
 * - `rivals`: wrong candidates scoring at least as high as the right one (0 = correct);
 * - `lookAlikes`: wrong candidates at least as similar to the right candidate's own support
 *   image as the query is. Such a candidate looks more like the query's class than a second
 *   drawing of that class does: a near-duplicate character that the draw of the candidate set
 *   put into the trial, whatever the query. Needs the scores of {@link exemplarTask}.
 */
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { TrialScores } from "./one_shot.ts";

/** Per-trial difficulty of one task under one scorer. */
export interface TrialDifficulty {
  /** Similarity of the query to the right candidate. */
  correct: number;
  /** Highest similarity of the query to a wrong candidate. */
  bestWrong: number;
  /** `correct - bestWrong`. */
  margin: number;
  /** Wrong candidates with similarity >= `correct`. */
  rivals: number;
  /** Wrong candidates at least as similar to the right candidate's image as the query is. */
  lookAlikes: number;
}

/**
 * For every trial of `task`, a trial whose query is the right candidate's support image and
 * whose candidates are the other `ways - 1` support images (in order): scoring it gives each
 * wrong candidate's similarity to the right class's exemplar. `answer` is meaningless here
 * (0); the task is for scoring, not for accuracy.
 */
export function exemplarTask(task: OneShotTask): OneShotTask {
  return {
    ...task,
    ways: task.ways - 1,
    trials: task.trials.map((t) => ({
      query: t.support[t.answer],
      support: t.support.filter((_, k) => k !== t.answer),
      answer: 0,
      group: t.group,
    })),
  };
}

/**
 * Difficulty of each trial of `task` from its scores and the scores of `exemplarTask(task)`.
 * Non-finite scores count as losing (a NaN right score makes every wrong one a rival).
 */
export function trialDifficulty(
  task: OneShotTask,
  scores: TrialScores,
  exemplarScores: TrialScores,
): TrialDifficulty[] {
  if (scores.length !== task.trials.length || exemplarScores.length !== task.trials.length) {
    throw new RangeError(
      `trialDifficulty: ${scores.length} and ${exemplarScores.length} score rows for ${task.trials.length} trials`,
    );
  }
  return task.trials.map((t, i) => {
    const s = scores[i];
    const right = Number.isFinite(s[t.answer]) ? s[t.answer] : -Infinity;
    let bestWrong = -Infinity, rivals = 0;
    for (let k = 0; k < s.length; k++) {
      if (k === t.answer) continue;
      const v = Number.isFinite(s[k]) ? s[k] : Infinity;
      if (v > bestWrong) bestWrong = v;
      if (v >= right) rivals++;
    }
    let lookAlikes = 0;
    for (const v of Array.from(exemplarScores[i])) if (!(v < right)) lookAlikes++;
    return { correct: right, bestWrong, margin: right - bestWrong, rivals, lookAlikes };
  });
}
