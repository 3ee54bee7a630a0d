import assert from "node:assert/strict";
import { hardestPairWeights } from "../../lib/training/hardest_pairs.ts";
import { allPairs } from "../../lib/training/pairs.ts";

Deno.test("hardest pairs: each image votes for its lowest-logit positive and highest-logit negative", () => {
  // Images 0, 1, 2 of character A; 3, 4 of character B.
  const pairs = allPairs([0, 0, 0, 1, 1]);
  const logit = new Map<string, number>([
    ["0-1", 3],
    ["0-2", -1], // the hardest positive of 0 and 2
    ["1-2", 2], // hardest positive of 1 (its other, 0-1, is 3)
    ["3-4", 0], // the only positive of 3 and 4
    ["0-3", -5],
    ["0-4", 1], // hardest negative of 0 and 4
    ["1-3", 4], // hardest negative of 1 and 3
    ["1-4", -2],
    ["2-3", -3],
    ["2-4", -4], // 2's negatives: -3 (2-3) is the hardest
  ]);
  const logits = Array.from(pairs.left, (l, p) => logit.get(`${l}-${pairs.right[p]}`)!);
  const w = hardestPairWeights(logits, pairs.same, pairs.left, pairs.right, 5);
  const weightOf = (key: string) =>
    w[Array.from(pairs.left).findIndex((l, p) => `${l}-${pairs.right[p]}` === key)];
  // Positive votes: 0->0-2, 1->1-2, 2->0-2, 3->3-4, 4->3-4: five votes share 0.5.
  assert.ok(Math.abs(weightOf("0-2") - 0.2) < 1e-7);
  assert.ok(Math.abs(weightOf("1-2") - 0.1) < 1e-7);
  assert.ok(Math.abs(weightOf("3-4") - 0.2) < 1e-7);
  assert.equal(weightOf("0-1"), 0);
  // Negative votes: 0->0-4, 1->1-3, 2->2-3, 3->1-3, 4->0-4.
  assert.ok(Math.abs(weightOf("0-4") - 0.2) < 1e-7);
  assert.ok(Math.abs(weightOf("1-3") - 0.2) < 1e-7);
  assert.ok(Math.abs(weightOf("2-3") - 0.1) < 1e-7);
  for (const key of ["0-3", "1-4", "2-4"]) assert.equal(weightOf(key), 0, key);
  assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-6);
});

Deno.test("hardest pairs: one class absent leaves the whole weight to the other; lengths are checked", () => {
  const pairs = allPairs([0, 1, 2]); // negatives only
  const w = hardestPairWeights([1, 2, 3], pairs.same, pairs.left, pairs.right, 3);
  // 0 -> 0-2 (2), 1 -> 1-2 (3), 2 -> 1-2 (3): votes 1 and 2 of 3.
  assert.deepEqual([...w].map((x) => Math.round(x * 3)), [0, 1, 2]);
  assert.throws(
    () => hardestPairWeights([1, 2], pairs.same, pairs.left, pairs.right, 3),
    /2 logits but 3 labels/,
  );
});
