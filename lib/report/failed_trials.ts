/**
 * The trials a model got wrong, as a picture: for each, the query, the candidate the model
 * chose and the candidate it should have chosen, side by side. Looking at these is how one
 * sees what a one-shot classifier confuses (similar strokes, a drawer's slant, ...).
 *
 * @example
 * ```ts
 * const result = scoreOneShot(task, siameseTaskScores(net, task));
 * const grid = failedTrialsGrid(task, failedTrials(task, result, { limit: 6 }));
 * await showImages(grid.images, { rowLabels: grid.rowLabels, labels: grid.labels });
 * ```
 */
import { type ImageSet, selectImages } from "../data/images.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { OneShotResult } from "../evaluation/one_shot.ts";

/** A trial the model got wrong. */
export interface FailedTrial {
  /** Position of the trial in `task.trials`. */
  trial: number;
  /** The trial's averaging group (run name, alphabet). */
  group: string;
  /** Candidate position the model chose; -1 when its scores were not finite. */
  chosen: number;
  /** Candidate position of the query's class. */
  answer: number;
}

/** Options of {@link failedTrials}. */
export interface FailedTrialsOptions {
  /** Keep at most this many, in task order (default all). */
  limit?: number;
}

/** The wrong trials of `result` (scored on `task`), in task order. */
export function failedTrials(
  task: OneShotTask,
  result: Pick<OneShotResult, "outcomes" | "chosen">,
  options: FailedTrialsOptions = {},
): FailedTrial[] {
  if (
    result.outcomes.length !== task.trials.length || result.chosen.length !== task.trials.length
  ) {
    throw new RangeError(
      `failedTrials: the result has ${result.outcomes.length} outcomes and ${result.chosen.length} choices ` +
        `for ${task.trials.length} trials; score this task to get its result`,
    );
  }
  const limit = options.limit ?? Infinity;
  const failed: FailedTrial[] = [];
  for (let i = 0; i < task.trials.length && failed.length < limit; i++) {
    if (result.outcomes[i]) continue;
    const t = task.trials[i];
    failed.push({ trial: i, group: t.group, chosen: result.chosen[i], answer: t.answer });
  }
  return failed;
}

/** Arguments for `showImages`: one grid row per failed trial. */
export interface TrialGrid {
  /** Per failed trial `[query, chosen, answer]` (`[query, answer]` when nothing was chosen). */
  images: ImageSet[];
  /** `<group> #<trial>` per grid row. */
  rowLabels: string[];
  /** A caption per image, in order: `query`, `chosen (k)`, `answer (k)`, k 1-based. */
  labels: string[];
}

/** The images of `failures` from `task.bank`, ready for `showImages`. */
export function failedTrialsGrid(task: OneShotTask, failures: readonly FailedTrial[]): TrialGrid {
  const grid: TrialGrid = { images: [], rowLabels: [], labels: [] };
  for (const f of failures) {
    const t = task.trials[f.trial];
    const indices = [t.query];
    grid.labels.push("query");
    if (f.chosen >= 0) {
      indices.push(t.support[f.chosen]);
      grid.labels.push(`chosen (${f.chosen + 1})`);
    }
    indices.push(t.support[f.answer]);
    grid.labels.push(`answer (${f.answer + 1})`);
    grid.images.push(selectImages(task.bank, indices));
    grid.rowLabels.push(`${f.group} #${f.trial + 1}`);
  }
  return grid;
}
