import assert from "node:assert/strict";
import {
  allPairs,
  balancedWeights,
  differenceMatrix,
  samplePoolBatch,
} from "../../lib/training/pairs.ts";
import { Rng } from "../../lib/rng.ts";

Deno.test("all pairs of a 3 x 2 batch: 15 pairs, 3 same, positives and negatives half the weight each", () => {
  const pairs = allPairs([7, 7, 8, 8, 9, 9]);
  assert.equal(pairs.left.length, 15);
  assert.deepEqual([...pairs.left.slice(0, 5)], [0, 0, 0, 0, 0]);
  assert.deepEqual([...pairs.right.slice(0, 5)], [1, 2, 3, 4, 5]);
  const same = [...pairs.same].map((s, p) => (s ? `${pairs.left[p]}-${pairs.right[p]}` : ""))
    .filter(Boolean);
  assert.deepEqual(same, ["0-1", "2-3", "4-5"]);
  for (let p = 0; p < 15; p++) {
    assert.ok(Math.abs(pairs.weight[p] - (pairs.same[p] ? 1 / 6 : 1 / 24)) < 1e-7);
  }
});

Deno.test("a 16 x 4 batch gives 2,016 pairs, 96 of them positive", () => {
  const labels = Array.from({ length: 64 }, (_, i) => Math.floor(i / 4));
  const pairs = allPairs(labels);
  assert.equal(pairs.left.length, 2016);
  assert.equal(pairs.same.reduce((s, v) => s + v, 0), 96);
  assert.ok(Math.abs(pairs.weight.reduce((s, v) => s + v, 0) - 1) < 1e-5);
});

Deno.test("same-alphabet negatives are marked and can weigh more, negatives still sharing half the loss", () => {
  // characters 0,1 from alphabet 0; character 2 from alphabet 1; one drawing each
  const pairs = allPairs([0, 1, 2], { alphabets: [0, 0, 1], sameAlphabetWeight: 3 });
  assert.deepEqual([...pairs.sameAlphabet], [1, 0, 0]);
  // no positives: all weight on negatives, 3 : 1 : 1
  assert.deepEqual([...pairs.weight].map((w) => Math.round(w * 1000) / 1000), [0.6, 0.2, 0.2]);
});

Deno.test("balanced weights give the whole loss to the one class present", () => {
  assert.deepEqual([...balancedWeights(Uint8Array.from([1, 1]), new Uint8Array(2))], [0.5, 0.5]);
});

Deno.test("the difference matrix has +1 at the left image and -1 at the right one", () => {
  const m = differenceMatrix({ left: Int32Array.from([0, 1]), right: Int32Array.from([2, 0]) }, 3);
  assert.deepEqual([...m], [1, 0, -1, -1, 1, 0]);
  assert.throws(
    () => differenceMatrix({ left: Int32Array.from([1]), right: Int32Array.from([1]) }, 3),
    /itself/,
  );
});

Deno.test("a pool batch puts left images first and right images after, pair p joining p and B + p", () => {
  const images = { size: 1, count: 4, pixels: Float32Array.from([10, 11, 12, 13]) };
  const pool = { left: [0, 2], right: [1, 3], same: [1, 0] };
  const b = samplePoolBatch(images, pool, new Rng(1), { pairs: 3 });
  assert.equal(b.count, 6);
  for (let p = 0; p < 3; p++) {
    assert.equal(b.pairs.left[p], p);
    assert.equal(b.pairs.right[p], 3 + p);
    const k = b.images[p] === 10 ? 0 : 1;
    assert.equal(b.images[3 + p], k === 0 ? 11 : 13);
    assert.equal(b.pairs.same[p], pool.same[k]);
  }
});
