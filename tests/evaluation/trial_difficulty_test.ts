import assert from "node:assert/strict";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import { exemplarTask, trialDifficulty } from "../../lib/evaluation/trial_difficulty.ts";

const task: OneShotTask = {
  protocol: "koch-400",
  dataset: "omniglot",
  ways: 4,
  shots: 1,
  bank: { size: 1, count: 10, pixels: new Float32Array(10) },
  trials: [
    { query: 0, support: [1, 2, 3, 4], answer: 2, group: "a" },
    { query: 5, support: [6, 7, 8, 9], answer: 0, group: "b" },
  ],
};

Deno.test("exemplarTask asks how the right candidate's image scores the other candidates", () => {
  const ex = exemplarTask(task);
  assert.equal(ex.ways, 3);
  assert.equal(ex.bank, task.bank);
  assert.deepEqual(ex.trials, [
    { query: 3, support: [1, 2, 4], answer: 0, group: "a" },
    { query: 6, support: [7, 8, 9], answer: 0, group: "b" },
  ]);
});

Deno.test("trialDifficulty: margin, rivals and look-alikes of each trial", () => {
  const scores = [
    Float64Array.of(0.1, 0.5, 0.7, 0.2), // right 0.7, best wrong 0.5: correct
    Float64Array.of(0.3, 0.3, 0.9, 0.1), // right 0.3 ties one wrong and loses to 0.9
  ];
  const exemplar = [
    Float64Array.of(0.8, 0.6, 0.7), // two wrong candidates at least as close as the query (0.7)
    Float64Array.of(0.2, 0.1, 0.0), // none
  ];
  const d = trialDifficulty(task, scores, exemplar);
  assert.equal(d.length, 2);
  assert.deepEqual(d[0], {
    correct: 0.7,
    bestWrong: 0.5,
    margin: 0.7 - 0.5,
    rivals: 0,
    lookAlikes: 2,
  });
  assert.deepEqual(d[1], {
    correct: 0.3,
    bestWrong: 0.9,
    margin: 0.3 - 0.9,
    rivals: 2,
    lookAlikes: 0,
  });
});

Deno.test("trialDifficulty counts a NaN right score as losing to every candidate", () => {
  const d = trialDifficulty(
    task,
    [Float64Array.of(0, 0, NaN, 0), Float64Array.of(1, 0, 0, 0)],
    [Float64Array.of(0, 0, 0), Float64Array.of(0, 0, 0)],
  );
  assert.equal(d[0].rivals, 3);
  assert.equal(d[0].lookAlikes, 3);
  assert.equal(d[1].rivals, 0);
});

Deno.test("trialDifficulty refuses score rows that do not match the trials", () => {
  assert.throws(
    () => trialDifficulty(task, [Float64Array.of(1, 0, 0, 0)], []),
    /1 and 0 score rows/,
  );
});
