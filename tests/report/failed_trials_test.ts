import assert from "node:assert/strict";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import { scoreOneShot } from "../../lib/evaluation/one_shot.ts";
import { failedTrials, failedTrialsGrid } from "../../lib/report/failed_trials.ts";

/** Six 1x1 images whose single pixel is their own index / 10, so a grid shows which it took. */
const task: OneShotTask = {
  protocol: "koch-400",
  dataset: "omniglot",
  ways: 2,
  shots: 1,
  bank: { size: 1, count: 6, pixels: Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 0.5]) },
  trials: [
    { query: 0, support: [1, 2], answer: 0, group: "A" },
    { query: 3, support: [4, 5], answer: 1, group: "A" },
    { query: 5, support: [1, 4], answer: 0, group: "B" },
  ],
};

Deno.test("the wrong trials are listed in task order with the chosen and the right candidate", () => {
  // Trial 1 right; trial 2 picks candidate 0 instead of 1; trial 3 has no finite score.
  const result = scoreOneShot(task, [[2, 1], [3, 1], [NaN, NaN]]);
  assert.deepEqual(result.outcomes, [true, false, false]);
  assert.deepEqual(failedTrials(task, result), [
    { trial: 1, group: "A", chosen: 0, answer: 1 },
    { trial: 2, group: "B", chosen: -1, answer: 0 },
  ]);
  assert.deepEqual(failedTrials(task, result, { limit: 1 }).map((f) => f.trial), [1]);
});

Deno.test("a tie is a failure, shown with the first of the tied candidates as the choice", () => {
  const result = scoreOneShot(task, [[1, 1], [0, 1], [1, 0]]);
  assert.deepEqual(failedTrials(task, result), [{ trial: 0, group: "A", chosen: 0, answer: 0 }]);
});

Deno.test("the grid shows query, chosen and answer per failed trial, or query and answer without a choice", () => {
  const result = scoreOneShot(task, [[2, 1], [3, 1], [NaN, NaN]]);
  const grid = failedTrialsGrid(task, failedTrials(task, result));
  assert.deepEqual(grid.rowLabels, ["A #2", "B #3"]);
  assert.deepEqual(grid.labels, ["query", "chosen (1)", "answer (2)", "query", "answer (1)"]);
  assert.deepEqual(grid.images.map((s) => [...s.pixels].map((p) => Math.round(p * 10))), [
    [3, 4, 5],
    [5, 1],
  ]);
  assert.ok(grid.images.every((s) => s.size === 1 && s.count === s.pixels.length));
});

Deno.test("a result of another task is refused", () => {
  const result = scoreOneShot(task, [[2, 1], [3, 1], [1, 0]]);
  const shorter = { ...task, trials: task.trials.slice(0, 2) };
  assert.throws(() => failedTrials(shorter, result), /3 outcomes .* for 2 trials/);
});
