import assert from "node:assert/strict";
import {
  blurField,
  ELASTIC_SIGMA_FRACTION,
  elasticDistortions,
  elasticField,
  gaussianKernel,
  isElasticDisplacement,
  warpAlongField,
} from "../../lib/training/elastic_distortions.ts";
import { sampleBatch } from "../../lib/training/batches.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "./fixtures.ts";

Deno.test("gaussianKernel: normalised, symmetric, out to 3 sigma, peaked at the centre", () => {
  const k = gaussianKernel(2);
  assert.equal(k.length, 13);
  assert.ok(Math.abs(k.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  for (let i = 0; i < 6; i++) {
    assert.equal(k[i], k[12 - i]);
    assert.ok(k[i] < k[i + 1]);
  }
  // exp(-1/2) between the centre and one sigma out
  assert.ok(Math.abs(k[8] / k[6] - Math.exp(-0.5)) < 1e-12);
  assert.throws(() => gaussianKernel(0), /sigma/);
});

Deno.test("blurField: an impulse becomes the kernel's outer product; 0 read outside the image", () => {
  const size = 9, kernel = gaussianKernel(1);
  const field = new Float64Array(size * size);
  field[4 * size + 4] = 1;
  blurField(field, size, kernel, new Float64Array(size * size));
  // The kernel's weight at offset i from the impulse (radius 3), 0 beyond it.
  const k = (i: number) => kernel[i + 3] ?? 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const expected = k(x - 4) * k(y - 4);
      assert.ok(Math.abs(field[y * size + x] - expected) < 1e-15, `(${x}, ${y})`);
    }
  }
  // A constant field keeps its value where the kernel fits and falls off at the border.
  const flat = new Float64Array(size * size).fill(1);
  blurField(flat, size, kernel, new Float64Array(size * size));
  assert.ok(Math.abs(flat[4 * size + 4] - 1) < 1e-12);
  assert.ok(flat[0] < 0.6);
});

Deno.test("elasticField: exactly the rms asked, smooth, 2 size^2 draws", () => {
  const size = 35;
  const rng = new Rng(4);
  const { dx, dy } = elasticField(rng, size, 2);
  let squares = 0;
  for (let i = 0; i < dx.length; i++) squares += dx[i] * dx[i] + dy[i] * dy[i];
  assert.ok(Math.abs(Math.sqrt(squares / dx.length) - 2) < 1e-9);
  // Smooth: neighbours move alike (sigma 5 px), unlike the white noise it came from.
  let steps = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x + 1 < size; x++) steps += Math.abs(dx[y * size + x + 1] - dx[y * size + x]);
  }
  const meanStep = steps / (size * (size - 1));
  assert.ok(meanStep < 0.3, `mean step between neighbours ${meanStep}`);
  assert.equal(ELASTIC_SIGMA_FRACTION * size, 5);
  const reference = new Rng(4);
  for (let i = 0; i < 2 * size * size; i++) reference.next();
  assert.equal(rng.next(), reference.next(), "the stream after one field");
});

Deno.test("warpAlongField: no field copies, a constant field shifts, bilinear in between", () => {
  const size = 4;
  const image = Float32Array.from({ length: 16 }, (_, i) => i / 16);
  const field = (dx: number, dy: number) => ({
    dx: new Float64Array(16).fill(dx),
    dy: new Float64Array(16).fill(dy),
  });
  assert.deepEqual(warpAlongField(image, size, field(0, 0), new Float32Array(16)), image);
  // Each pixel reads its right-hand neighbour; the last column reads background.
  const left = warpAlongField(image, size, field(1, 0), new Float32Array(16));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      assert.equal(left[y * size + x], x + 1 < size ? image[y * size + x + 1] : 0);
    }
  }
  const half = warpAlongField(image, size, field(0, 0.5), new Float32Array(16));
  assert.ok(Math.abs(half[5] - (image[5] + image[9]) / 2) < 1e-7);
  assert.throws(() => warpAlongField(image, size, field(0, 0), image), /must not alias/);
});

Deno.test("elasticDistortions: each image along its own field of rms x size / 105 pixels", () => {
  const size = 14, count = 3, n = size * size;
  const pixels = Float32Array.from({ length: count * n }, (_, i) => (i * 5) % 7 === 0 ? 1 : 0);
  const rng = new Rng(8);
  const out = elasticDistortions(pixels.slice(), size, rng, 6);
  const redo = new Rng(8);
  for (let i = 0; i < count; i++) {
    const expected = warpAlongField(
      pixels.subarray(i * n, (i + 1) * n),
      size,
      elasticField(redo, size, 6 * size / 105),
      new Float32Array(n),
    );
    assert.deepEqual(out.subarray(i * n, (i + 1) * n), expected, `image ${i}`);
    assert.notDeepEqual(expected, pixels.subarray(i * n, (i + 1) * n));
  }
  assert.equal(rng.next(), redo.next(), "the stream after the stack");
  assert.throws(() => elasticDistortions(pixels.slice(), size, new Rng(1), 0), /rms/);
  assert.throws(() => elasticDistortions(new Float32Array(7), size, new Rng(1), 1), /whole number/);
});

Deno.test("isElasticDisplacement: above 0, at most 20 pixels", () => {
  for (const d of [0.5, 6, 20]) assert.ok(isElasticDisplacement(d));
  for (const d of [0, -1, 20.5, NaN, Infinity]) assert.ok(!isElasticDisplacement(d));
});

Deno.test("sampleBatch with elastic distortions: same characters and drawings, bent images; unset as before", () => {
  const split = fakeSplit(["A", "B", "C", "D"], 3, 14, (c, d, i) => ((c * 7 + d * 3 + i) % 5) / 4);
  const options = { characters: 4, drawings: 2 };
  const plain = sampleBatch(split, new Rng(5), options);
  const bent = sampleBatch(split, new Rng(5), { ...options, elastic: 6 });
  assert.deepEqual(bent.labels, plain.labels);
  assert.deepEqual(bent.alphabets, plain.alphabets);
  const n = 14 * 14;
  for (let i = 0; i < plain.count; i++) {
    assert.notDeepEqual(
      bent.images.subarray(i * n, (i + 1) * n),
      plain.images.subarray(i * n, (i + 1) * n),
    );
  }
  assert.deepEqual(sampleBatch(split, new Rng(5), { ...options, elastic: undefined }), plain);
});
