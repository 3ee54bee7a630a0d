import assert from "node:assert/strict";
import { ensembleScores } from "../../lib/evaluation/score_ensemble.ts";

Deno.test("an ensemble weighs its members alike whatever their scale, per trial", () => {
  // Member a ranks 0 > 1 > 2 on a tiny scale, member b 1 > 2 > 0 on a large one. Standardised,
  // a's scale does not drown: the ensemble is the mean of the z-scores and picks 1 (by raw sums b
  // alone would decide, and so would it here; a's vote moves 0 above 2).
  const a = [[0.003, 0.002, 0.001]];
  const b = [[-300, 100, 90]];
  const scores = Array.from(ensembleScores([a, b])[0]);
  const z = (s: number[]) => {
    const m = s.reduce((x, y) => x + y) / s.length;
    const sd = Math.sqrt(s.reduce((x, y) => x + (y - m) ** 2, 0) / s.length);
    return s.map((v) => (v - m) / sd);
  };
  const expected = z(a[0]).map((v, i) => (v + z(b[0])[i]) / 2);
  expected.forEach((e, i) => assert.ok(Math.abs(scores[i] - e) < 1e-12));
  assert.equal(scores.indexOf(Math.max(...scores)), 1);
  assert.ok(scores[0] > scores[2], "a's preference counts");
  // Scaling a member changes nothing.
  const scaled = Array.from(ensembleScores([a.map((r) => r.map((v) => v * 1e6)), b])[0]);
  scaled.forEach((v, i) => assert.ok(Math.abs(v - scores[i]) < 1e-9));
});

Deno.test("a member with equal scores has no say, and one member alone keeps its order", () => {
  const flat = [[5, 5, 5]];
  const b = [[1, 3, 2]];
  assert.deepEqual(
    Array.from(ensembleScores([flat, b])[0]).map((v) => Math.sign(v)),
    [-1, 1, 0],
  );
  const alone = Array.from(ensembleScores([b])[0]);
  assert.deepEqual([...alone].sort((x, y) => x - y).map((v) => alone.indexOf(v)), [0, 2, 1]);
  assert.throws(() => ensembleScores([]), /no members/);
  assert.throws(() => ensembleScores([b, [[1, 2, 3], [1, 2, 3]]]), /trials/);
  assert.throws(() => ensembleScores([b, [[1, 2]]]), /candidates/);
});
