import assert from "node:assert/strict";
import { nWayCurveFigure } from "../../lib/report/figures.ts";
import type { OneShotRow } from "../../lib/report/tables.ts";

const row = (method: string, ways: number, accuracy: number, paper?: number): OneShotRow => ({
  experiment: method.startsWith("1-nn") ? "baseline" : "siamese",
  method,
  dataset: "omniglot",
  protocol: "n-way",
  ways,
  shots: 1,
  trials: 100,
  correct: accuracy,
  accuracy,
  ci_low: accuracy - 5,
  ci_high: accuracy + 5,
  paper_accuracy: paper,
});

Deno.test("the n-way curve draws each method in order of N, and each distinct paper number once", () => {
  const fig = nWayCurveFigure([
    row("siamese-bce", 20, 60, 92),
    row("siamese-bce", 2, 90),
    row("1-nn-cosine", 20, 22, 21.7),
    row("1-nn-l2", 20, 20, 21.7),
    { ...row("siamese-bce", 20, 70, 92), protocol: "koch-400" },
  ]);
  const byName = Object.fromEntries(fig.data.map((t) => [t.name, t]));
  assert.deepEqual(byName["siamese/siamese-bce"].x, [2, 20]);
  assert.deepEqual(byName["siamese/siamese-bce"].y, [90, 60]);
  const paper = byName["paper (Koch et al. 2015)"];
  assert.deepEqual(paper.x, [20, 20]);
  assert.deepEqual(paper.y, [92, 21.7]);
  assert.deepEqual(paper.text, ["paper, as siamese-bce", "paper, as 1-nn-cosine, 1-nn-l2"]);
  const none = nWayCurveFigure([row("triplet-batch-hard", 20, 40)]);
  assert.ok(!none.data.some((t) => t.name.startsWith("paper")), "no paper number, no marker");
});
