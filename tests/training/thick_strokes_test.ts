import assert from "node:assert/strict";
import {
  THICK_STROKE_GAIN,
  thickenStroke,
  thickenStrokes,
} from "../../lib/training/thick_strokes.ts";
import { sampleBatch } from "../../lib/training/batches.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "./fixtures.ts";

Deno.test("thickenStroke: each pixel the gain times its 3x3 mean, clipped at full ink, 0 outside", () => {
  const size = 4;
  const src = new Float32Array(size * size);
  src[1 * size + 1] = 0.9; // (1, 1)
  src[3 * size + 3] = 0.9; // the corner (3, 3)
  const dst = new Float32Array(size * size);
  thickenStroke(src, dst, size, 1.8);
  const v = Math.fround((1.8 * 0.9) / 9);
  const expected = [
    [v, v, v, 0],
    [v, v, v, 0],
    [v, v, 2 * v, v],
    [0, 0, v, v],
  ].flat();
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(dst[i] - expected[i]) < 1e-6,
      `pixel ${i}: ${dst[i]} against ${expected[i]}`,
    );
  }
  // A solid image saturates: 9 x 1 x 2 / 9 = 2, clipped to 1 (its corner: 4 / 9 x 2 < 1).
  const solid = new Float32Array(9).fill(1);
  const out = new Float32Array(9);
  thickenStroke(solid, out, 3, 2);
  assert.equal(out[4], 1);
  assert.ok(Math.abs(out[0] - 8 / 9) < 1e-6);
  assert.throws(() => thickenStroke(src, src, size, 2), /must not alias/);
});

Deno.test("thickenStrokes: two draws per image whether thickened or not; 0 changes nothing, 1 every image", () => {
  const size = 5, count = 6;
  const pixels = Float32Array.from(
    { length: count * size * size },
    (_, i) => (i * 7) % 3 === 0 ? 1 : 0,
  );
  for (const p of [0, 0.5, 1]) {
    const rng = new Rng(3);
    const out = thickenStrokes(pixels.slice(), size, rng, p);
    const reference = new Rng(3);
    for (let i = 0; i < 2 * count; i++) reference.next();
    assert.equal(rng.next(), reference.next(), `p ${p}: the stream after it`);
    const changed = Array.from({ length: count }, (_, i) => {
      const a = out.subarray(i * 25, (i + 1) * 25), b = pixels.subarray(i * 25, (i + 1) * 25);
      return a.some((x, j) => x !== b[j]);
    });
    if (p === 0) assert.deepEqual(out, pixels);
    if (p === 1) assert.ok(changed.every(Boolean), "every image thickened");
  }
  // Thickened with the gain its draw gave: redo image 0 by hand.
  const rng = new Rng(9);
  const out = thickenStrokes(pixels.slice(), size, rng, 1);
  const draws = new Rng(9);
  draws.next();
  const gain = draws.uniform(THICK_STROKE_GAIN[0], THICK_STROKE_GAIN[1]);
  const first = new Float32Array(25);
  thickenStroke(pixels.subarray(0, 25), first, size, gain);
  assert.deepEqual(out.subarray(0, 25), first);
  assert.throws(() => thickenStrokes(pixels.slice(), size, new Rng(1), 1.5), /probability/);
  assert.throws(() => thickenStrokes(new Float32Array(7), size, new Rng(1), 1), /whole number/);
});

Deno.test("sampleBatch with thick strokes: same characters and drawings, each image more ink", () => {
  // Grey ink below 1, so thickening is not all clipping.
  const split = fakeSplit(["A", "B", "C", "D"], 3, 7, (c, d, i) => ((c * 7 + d * 3 + i) % 11) / 20);
  const options = { characters: 4, drawings: 2 };
  const plain = sampleBatch(split, new Rng(5), options);
  const thick = sampleBatch(split, new Rng(5), { ...options, thickStrokes: 1 });
  assert.deepEqual(thick.labels, plain.labels);
  assert.deepEqual(thick.alphabets, plain.alphabets);
  const n = 49;
  for (let i = 0; i < plain.count; i++) {
    assert.notDeepEqual(
      thick.images.subarray(i * n, (i + 1) * n),
      plain.images.subarray(i * n, (i + 1) * n),
    );
    const expected = new Float32Array(n);
    const ink = (a: Float32Array) => a.reduce((s, x) => s + x, 0);
    thickenStroke(plain.images.subarray(i * n, (i + 1) * n), expected, 7, THICK_STROKE_GAIN[0]);
    assert.ok(
      ink(thick.images.subarray(i * n, (i + 1) * n)) >= ink(expected) - 1e-4,
      `image ${i}: at least the ink of the smallest gain`,
    );
  }
  // Probability 0 draws but changes nothing.
  const none = sampleBatch(split, new Rng(5), { ...options, thickStrokes: 0 });
  assert.deepEqual(none.images, plain.images);
});
