import assert from "node:assert/strict";
import { sampleBatch } from "../../lib/training/batches.ts";
import { KOCH_DISTORTIONS } from "../../lib/training/augment.ts";
import { quarterTurn, turnedLabel } from "../../lib/training/quarter_turns.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "./fixtures.ts";

const NAMES = ["A", "B", "C", "D", "E", "F"];
// Alphabet sizes differ, so uniform alphabets (not characters) is observable.
const split = fakeSplit(NAMES, [2, 2, 2, 2, 2, 30], 3);

Deno.test("a P x K batch holds K distinct drawings of each of P distinct characters, image p*K+k", () => {
  const b = sampleBatch(split, new Rng(1), { characters: 4, drawings: 3 });
  assert.equal(b.count, 12);
  assert.equal(b.images.length, 12 * 9);
  const chars = new Set<number>();
  for (let p = 0; p < 4; p++) {
    const c = b.labels[p * 3];
    chars.add(c);
    const drawers = new Set<number>();
    for (let k = 0; k < 3; k++) {
      const i = p * 3 + k;
      assert.equal(b.labels[i], c);
      // The fixture's pixels name the source image c * 20 + d.
      const src = b.images[i * 9];
      assert.equal(Math.floor(src / 20), c);
      drawers.add(src % 20);
      assert.equal(split.characters[c].alphabet, NAMES[b.alphabets[i]]);
    }
    assert.equal(drawers.size, 3);
  }
  assert.equal(chars.size, 4);
});

Deno.test("perAlphabet groups characters by alphabet: P / perAlphabet distinct alphabets", () => {
  const b = sampleBatch(split, new Rng(2), { characters: 6, drawings: 2, perAlphabet: 2 });
  const alphabets = [...b.alphabets].filter((_, i) => i % 2 === 0); // one per character
  assert.deepEqual(alphabets.length, 6);
  for (let g = 0; g < 3; g++) assert.equal(alphabets[2 * g], alphabets[2 * g + 1]);
  assert.equal(new Set(alphabets).size, 3);
});

Deno.test("only the named alphabets are drawn from", () => {
  for (let s = 0; s < 20; s++) {
    const b = sampleBatch(split, new Rng(s), { characters: 2, drawings: 2, alphabets: ["B", "F"] });
    for (const a of b.alphabets) assert.ok(NAMES[a] === "B" || NAMES[a] === "F");
  }
});

Deno.test("alphabets are equally represented whatever their size", () => {
  const counts = new Array(NAMES.length).fill(0);
  for (let s = 0; s < 600; s++) {
    counts[sampleBatch(split, new Rng(s), { characters: 1, drawings: 1 }).alphabets[0]]++;
  }
  // Uniform over characters would give alphabet F 30/40 of the draws; uniform over alphabets 1/6.
  for (const c of counts) assert.ok(c > 60 && c < 140, `alphabet counts ${counts}`);
});

Deno.test("the same seed gives the same batch; distortions change the pixels, not the layout", () => {
  const opts = { characters: 3, drawings: 2 };
  assert.deepEqual(sampleBatch(split, new Rng(5), opts), sampleBatch(split, new Rng(5), opts));
  const big = fakeSplit(["A", "B", "C"], 3, 20, (c, d, i) => ((c + d + i) % 7) / 6);
  const plain = sampleBatch(big, new Rng(5), opts);
  const distorted = sampleBatch(big, new Rng(5), { ...opts, augment: KOCH_DISTORTIONS });
  assert.deepEqual(distorted.labels, plain.labels);
  assert.notDeepEqual(distorted.images, plain.images);
});

Deno.test("impossible batches are refused with the argument named", () => {
  assert.throws(
    () => sampleBatch(split, new Rng(1), { characters: 7, drawings: 2 }),
    /7 alphabets needed/,
  );
  assert.throws(() => sampleBatch(split, new Rng(1), { characters: 4, drawings: 21 }), /drawings/);
  assert.throws(
    () => sampleBatch(split, new Rng(1), { characters: 4, drawings: 2, perAlphabet: 3 }),
    /perAlphabet/,
  );
  assert.throws(
    () => sampleBatch(split, new Rng(1), { characters: 2, drawings: 2, alphabets: ["Z"] }),
    /alphabet Z/,
  );
});

Deno.test("quarter turns: each character's drawings take one turn, labelled as a character of its own", () => {
  const size = 3;
  // Every image distinct and asymmetric: pixel i of image j is j * 9 + i.
  const split = fakeSplit(["A", "B"], 4, size, (c, d, i) => (c * 20 + d) * 9 + i);
  const plain = sampleBatch(split, new Rng(3), { characters: 4, drawings: 2, perAlphabet: 2 });
  const none = sampleBatch(split, new Rng(3), {
    characters: 4,
    drawings: 2,
    perAlphabet: 2,
    turns: 1,
  });
  assert.deepEqual(none, plain, "turns: 1 draws exactly what no turns draws");
  const seen = new Set<number>();
  for (let s = 0; s < 40; s++) {
    const b = sampleBatch(split, new Rng(s), {
      characters: 4,
      drawings: 2,
      perAlphabet: 2,
      turns: 4,
    });
    for (let i = 0; i < b.count; i++) {
      const label = b.labels[i];
      const c = label % split.characters.length;
      const turn = Math.floor(label / split.characters.length);
      seen.add(turn);
      const image = b.images.subarray(i * 9, (i + 1) * 9);
      // The drawer: the untouched image's first pixel / 9 - c * 20, read from the turned image's
      // smallest value (turning permutes pixels).
      const d = Math.min(...image) / 9 - c * 20;
      assert.ok(Number.isInteger(d) && d >= 0 && d < 20, `drawer of image ${i}: ${d}`);
      const src = split.images.pixels.subarray((c * 20 + d) * 9, (c * 20 + d + 1) * 9);
      const expected = new Float32Array(9);
      quarterTurn(src, expected, size, turn);
      assert.deepEqual([...image], [...expected], `image ${i}: character ${c} turned ${turn}`);
      if (i % 2 === 1) assert.equal(b.labels[i - 1], label, "both drawings share one turn");
    }
  }
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  assert.throws(
    () => sampleBatch(split, new Rng(1), { characters: 2, drawings: 2, turns: 5 }),
    /turns must be an integer in \[1, 4\]/,
  );
});

Deno.test("quarterTurn: a clockwise turn on screen, four of them the identity", () => {
  // 1 2
  // 3 4
  const src = new Float32Array([1, 2, 3, 4]);
  const out = new Float32Array(4);
  quarterTurn(src, out, 2, 1);
  assert.deepEqual([...out], [3, 1, 4, 2]);
  quarterTurn(src, out, 2, 2);
  assert.deepEqual([...out], [4, 3, 2, 1]);
  quarterTurn(src, out, 2, 3);
  assert.deepEqual([...out], [2, 4, 1, 3]);
  const odd = new Float32Array(Array.from({ length: 9 }, (_, i) => i));
  let x = odd.slice();
  for (let t = 0; t < 4; t++) {
    const y = new Float32Array(9);
    quarterTurn(x, y, 3, 1);
    x = y;
  }
  assert.deepEqual([...x], [...odd]);
  assert.equal(turnedLabel(5, 0, 100), 5);
  assert.equal(turnedLabel(5, 3, 100), 305);
});
