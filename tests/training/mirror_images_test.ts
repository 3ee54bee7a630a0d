import assert from "node:assert/strict";
import { sampleBatch } from "../../lib/training/batches.ts";
import { mirrorCount, mirrorImage } from "../../lib/training/mirror_images.ts";
import { quarterTurn } from "../../lib/training/quarter_turns.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "./fixtures.ts";

Deno.test("mirrorImage reflects each row left to right; twice is the identity", () => {
  // 0 1 2
  // 3 4 5
  // 6 7 8
  const src = Float32Array.from({ length: 9 }, (_, i) => i);
  const once = new Float32Array(9), twice = new Float32Array(9);
  mirrorImage(src, once, 3);
  assert.deepEqual([...once], [2, 1, 0, 5, 4, 3, 8, 7, 6]);
  mirrorImage(once, twice, 3);
  assert.deepEqual([...twice], [...src]);
  assert.equal(mirrorCount(undefined), 1);
  assert.equal(mirrorCount(false), 1);
  assert.equal(mirrorCount(true), 2);
});

Deno.test("mirror images: a character's drawings take one of its eight symmetries, labelled as a character of its own", () => {
  const size = 3;
  // Every image distinct and asymmetric: pixel i of image j is j * 9 + i.
  const split = fakeSplit(["A", "B"], 4, size, (c, d, i) => (c * 20 + d) * 9 + i);
  const options = { characters: 4, drawings: 2, perAlphabet: 2, turns: 4 };
  const plain = sampleBatch(split, new Rng(3), options);
  assert.deepEqual(
    sampleBatch(split, new Rng(3), { ...options, mirrors: false }),
    plain,
    "mirrors: false draws exactly what no mirrors draws",
  );
  const characters = split.characters.length;
  const seen = new Set<number>();
  for (let s = 0; s < 60; s++) {
    const b = sampleBatch(split, new Rng(s), { ...options, mirrors: true });
    for (let i = 0; i < b.count; i++) {
      const label = b.labels[i];
      const c = label % characters;
      const version = Math.floor(label / characters);
      assert.ok(version >= 0 && version < 8, `label ${label}`);
      seen.add(version);
      const image = b.images.subarray(i * 9, (i + 1) * 9);
      // The drawer, from the smallest value (mirroring and turning permute pixels).
      const d = Math.min(...image) / 9 - c * 20;
      assert.ok(Number.isInteger(d) && d >= 0 && d < 20, `drawer of image ${i}: ${d}`);
      const src = split.images.pixels.slice((c * 20 + d) * 9, (c * 20 + d + 1) * 9);
      const reflected = new Float32Array(9);
      if (version >= 4) mirrorImage(src, reflected, size);
      const expected = new Float32Array(9);
      quarterTurn(version >= 4 ? reflected : src, expected, size, version % 4);
      assert.deepEqual([...image], [...expected], `image ${i}: character ${c} version ${version}`);
      if (i % 2 === 1) assert.equal(b.labels[i - 1], label, "both drawings share one version");
    }
  }
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  // Without turns, mirror images alone: versions 0 and 4.
  const versions = new Set<number>();
  for (let s = 0; s < 20; s++) {
    const b = sampleBatch(split, new Rng(s), { ...options, turns: 1, mirrors: true });
    for (const label of b.labels) versions.add(Math.floor(label / characters));
  }
  assert.deepEqual([...versions].sort(), [0, 4]);
});
