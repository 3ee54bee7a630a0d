import assert from "node:assert/strict";
import { firstAlphabets, isTrainingAlphabetCount } from "../../lib/data/alphabet_subset.ts";
import { fakeSplit } from "../training/fixtures.ts";

const SIZE = 3;

Deno.test("firstAlphabets keeps the first alphabets' characters and exactly their drawings", () => {
  // Alphabets of 2, 3 and 4 characters; every pixel of image (c, d) reads c * 20 + d.
  const split = fakeSplit(["A", "B", "C"], [2, 3, 4], SIZE);
  const cut = firstAlphabets(split, 2);
  assert.deepEqual(cut.alphabets.map((a) => a.name), ["A", "B"]);
  assert.deepEqual(cut.alphabets.map((a) => a.characters), [[0, 1], [2, 3, 4]]);
  assert.deepEqual(cut.characters, split.characters.slice(0, 5));
  assert.equal(cut.images.count, 5 * 20);
  assert.equal(cut.images.pixels.length, 5 * 20 * SIZE * SIZE);
  // The last image kept is character 4's drawing 19; none of alphabet C's.
  assert.equal(cut.images.pixels[cut.images.pixels.length - 1], 4 * 20 + 19);
  assert.ok(cut.images.pixels.every((v) => v < 5 * 20));
  // A view of the split's pixels, not a copy.
  assert.equal(cut.images.pixels.buffer, split.images.pixels.buffer);
  assert.equal(firstAlphabets(split, undefined), split);
  assert.equal(firstAlphabets(split, 3), split);
});

Deno.test("firstAlphabets refuses a count it cannot cut, and a split out of alphabet order", () => {
  const split = fakeSplit(["A", "B", "C"], 2, SIZE);
  for (const count of [0, 4, 1.5, -1]) {
    assert.throws(() => firstAlphabets(split, count), /count must be a whole number from 1 to 3/);
  }
  const shuffled = {
    ...split,
    alphabets: [split.alphabets[1], split.alphabets[0], split.alphabets[2]],
  };
  assert.throws(() => firstAlphabets(shuffled, 1), /not in alphabet order/);
  assert.ok(isTrainingAlphabetCount(1) && isTrainingAlphabetCount(30));
  assert.ok(!isTrainingAlphabetCount(0) && !isTrainingAlphabetCount(31));
  assert.ok(!isTrainingAlphabetCount(20.5));
});
