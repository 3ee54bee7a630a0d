import assert from "node:assert/strict";
import { mineBatchHard } from "../../lib/miners/batch_hard.ts";
import { mineBatchAll } from "../../lib/miners/batch_all.ts";
import { mineSemiHard } from "../../lib/miners/semi_hard.ts";
import { mineRandom } from "../../lib/miners/random.ts";
import { countTripletKinds } from "../../lib/miners/triplet_kinds.ts";
import { minerByName } from "../../lib/miners/by_name.ts";
import type { Triplets } from "../../lib/miners/miner.ts";
import { Rng } from "../../lib/rng.ts";
import { LABELS, SQUARED_FLAT } from "../distances/fixtures.ts";

const input = { distances: SQUARED_FLAT, labels: LABELS };

function rows(t: Triplets): number[][] {
  return Array.from(t.anchors, (a, i) => [a, t.positives[i], t.negatives[i]]);
}

Deno.test("batch-hard picks each anchor's farthest positive and nearest negative", () => {
  // a0: only positive 1; negatives 2 (4) and 3 (9) -> 2. a1: negatives 2 (5), 3 (4) -> 3.
  // a2: positive 3; negatives 0 (4), 1 (5) -> 0. a3: negatives 0 (9), 1 (4) -> 1.
  assert.deepEqual(rows(mineBatchHard(input)), [[0, 1, 2], [1, 0, 3], [2, 3, 0], [3, 2, 1]]);
});

Deno.test("batch-hard takes the farthest of several positives", () => {
  // Class 0 = {0, 1, 2}: d01 = 1, d02 = 3; negative 3.
  const d = Float32Array.from([0, 1, 3, 5, 1, 0, 2, 6, 3, 2, 0, 7, 5, 6, 7, 0]);
  const t = mineBatchHard({ distances: d, labels: [0, 0, 0, 1] });
  assert.deepEqual(rows(t).slice(0, 3), [[0, 2, 3], [1, 2, 3], [2, 0, 3]]);
  assert.equal(t.anchors.length, 3, "anchor 3 has no positive and gives no triplet");
});

Deno.test("batch-all returns every valid triplet: P K (K-1) (P-1) K of them", () => {
  assert.deepEqual(rows(mineBatchAll(input)), [
    [0, 1, 2],
    [0, 1, 3],
    [1, 0, 2],
    [1, 0, 3],
    [2, 3, 0],
    [2, 3, 1],
    [3, 2, 0],
    [3, 2, 1],
  ]);
  const labels = Array.from({ length: 12 }, (_, i) => Math.floor(i / 4)); // P = 3, K = 4
  const n = mineBatchAll({ distances: new Float32Array(144), labels }).anchors.length;
  assert.equal(n, 3 * 4 * 3 * 2 * 4);
});

Deno.test("semi-hard picks the nearest negative inside (d(a,p), d(a,p) + margin), else the least hard", () => {
  // margin 4: (0,1): band (1, 5) holds 2 (d=4), not 3 (9). (1,0): band (1, 5) holds 3 (4),
  // not 2 (exactly 5: the band is open). (2,3) and (3,2): d(a,p) = 13, every negative is
  // nearer (hard), so the farthest of them: 1 (5) for a2, 0 (9) for a3.
  assert.deepEqual(rows(mineSemiHard(input, { margin: 4 })), [[0, 1, 2], [1, 0, 3], [2, 3, 1], [
    3,
    2,
    0,
  ]]);
});

Deno.test("semi-hard skips a pair whose negatives are all easy", () => {
  // margin 2: for (0,1) and (1,0) every negative is beyond d(a,p) + 2 = 3.
  assert.deepEqual(rows(mineSemiHard(input, { margin: 2 })), [[2, 3, 1], [3, 2, 0]]);
});

Deno.test("the random miner draws valid negatives, one per anchor-positive pair, reproducibly", () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
  const d = new Float32Array(81);
  const a = mineRandom({ distances: d, labels }, new Rng(3));
  const b = mineRandom({ distances: d, labels }, new Rng(3));
  assert.deepEqual(rows(a), rows(b));
  assert.equal(a.anchors.length, 9 * 2);
  for (const [x, p, n] of rows(a)) {
    assert.notEqual(x, p);
    assert.equal(labels[x], labels[p]);
    assert.notEqual(labels[x], labels[n]);
  }
  const drawn = new Set(rows(a).map((r) => r[2]));
  assert.ok(drawn.size > 3, "negatives vary");
});

Deno.test("triplet kinds: 4 hard, 2 semi-hard, 2 easy among the 8 triplets for margin 4", () => {
  // (0,1,2) 1<4<5 semi; (0,1,3) 9 easy; (1,0,2) 5 = 1+4 easy; (1,0,3) 4 semi;
  // anchors 2 and 3 have d(a,p) = 13 above all their negatives: 4 hard.
  assert.deepEqual(countTripletKinds(input, 4), { hard: 4, semiHard: 2, easy: 2, total: 8 });
});

Deno.test("miners check the matrix matches the labels, and names resolve", () => {
  assert.throws(
    () => mineBatchHard({ distances: new Float32Array(9), labels: [0, 1] }),
    /expected 2 x 2/,
  );
  assert.throws(() => mineSemiHard(input, { margin: 0 }), /margin must be positive/);
  assert.equal(minerByName("semi-hard", { margin: 0.2, rng: new Rng(1) }).name, "semi-hard");
  assert.throws(
    () => minerByName("hardest", { margin: 0.2, rng: new Rng(1) }),
    /unknown miner "hardest"/,
  );
});
