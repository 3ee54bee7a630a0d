import assert from "node:assert/strict";
import { scoreOneShot, trialCorrect } from "../../lib/evaluation/one_shot.ts";
import { wilson } from "../../lib/evaluation/intervals.ts";
import { cosine, negativeL2, pixelScores } from "../../lib/evaluation/nearest_neighbor.ts";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";

function task(
  trials: { answer: number; group?: string }[],
  ways = 3,
  protocol: OneShotTask["protocol"] = "koch-400",
): OneShotTask {
  return {
    protocol,
    dataset: "omniglot",
    ways,
    shots: 1,
    bank: { size: 1, count: ways + 1, pixels: new Float32Array(ways + 1) },
    trials: trials.map((t) => ({
      query: ways,
      support: Array.from({ length: ways }, (_, i) => i),
      answer: t.answer,
      group: t.group ?? "g",
    })),
  };
}

Deno.test("a tie with the right answer counts as wrong", () => {
  assert.equal(trialCorrect([0.5, 0.5, 0.1], 0), false);
  assert.equal(trialCorrect([0.6, 0.5, 0.1], 0), true);
  assert.equal(trialCorrect([NaN, 0.5, 0.1], 0), false);
  assert.equal(trialCorrect([1, NaN, 0], 0), false);
});

Deno.test("a constant scorer scores zero, not chance", () => {
  const t = task(Array.from({ length: 30 }, (_, i) => ({ answer: i % 3 })));
  const r = scoreOneShot(t, t.trials.map(() => [1, 1, 1]));
  assert.equal(r.correct, 0);
});

Deno.test("accuracy and the Wilson interval are percentages of the trials", () => {
  const t = task([{ answer: 0 }, { answer: 1 }, { answer: 2 }, { answer: 0 }]);
  const r = scoreOneShot(t, [[3, 1, 0], [0, 2, 1], [5, 0, 1], [0, 0, 9]]);
  assert.deepEqual(r.outcomes, [true, true, false, false]);
  assert.equal(r.accuracy, 50);
  assert.deepEqual(r.chosen, [0, 1, 0, 2]);
  const ci = wilson(2, 4);
  assert.ok(Math.abs(r.ciLow - 100 * ci.low) < 1e-9 && Math.abs(r.ciHigh - 100 * ci.high) < 1e-9);
});

Deno.test("lake-runs accuracy is the mean of per-run accuracies", () => {
  // run A: 1 of 1 right; run B: 1 of 3 right. Mean of runs = (100 + 33.3) / 2; pooled would be 50.
  const t = task(
    [{ answer: 0, group: "A" }, { answer: 0, group: "B" }, { answer: 0, group: "B" }, {
      answer: 0,
      group: "B",
    }],
    3,
    "lake-runs",
  );
  const r = scoreOneShot(t, [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]]);
  assert.ok(Math.abs(r.accuracy - (100 + 100 / 3) / 2) < 1e-9);
});

Deno.test("the Wilson interval matches a hand-computed value", () => {
  // 92 of 100: centre (0.92 + 1.92/200) / 1.0384, half-width from the textbook formula.
  const { low, high } = wilson(92, 100);
  assert.ok(Math.abs(low - 0.8500) < 5e-4, `low ${low}`);
  assert.ok(Math.abs(high - 0.9588) < 5e-4, `high ${high}`);
  assert.deepEqual(wilson(0, 10).low, 0);
});

Deno.test("1-NN picks the candidate with the closest pixels", () => {
  // Bank: 3 candidates of 4 pixels and a query closest to candidate 2.
  const pixels = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0]);
  const t: OneShotTask = {
    protocol: "koch-400",
    dataset: "omniglot",
    ways: 3,
    shots: 1,
    bank: { size: 2, count: 4, pixels },
    trials: [{ query: 3, support: [0, 1, 2], answer: 2, group: "g" }],
  };
  for (const sim of [negativeL2, cosine]) {
    assert.equal(scoreOneShot(t, pixelScores(t, sim)).correct, 1);
  }
  assert.ok(
    Math.abs(cosine(Float32Array.from([1, 1]), Float32Array.from([1, 0])) - Math.SQRT1_2) < 1e-7,
  );
  assert.equal(cosine(Float32Array.from([0, 0]), Float32Array.from([1, 0])), 0);
});
