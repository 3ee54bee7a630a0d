import assert from "node:assert/strict";
import {
  inkMatchFactor,
  meanInk,
  PACKED_IMAGE_BYTES,
  PACKED_ROW_BYTES,
  resample,
  scaleImages,
  unpackImages,
} from "../../lib/data/images.ts";

Deno.test("shrinking by an integer factor averages each block", () => {
  // 6x6 -> 2x2: each output is the mean of a 3x3 block.
  const pixels = new Float32Array(36);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) pixels[y * 6 + x] = 1; // top-left block all ink
  pixels[5 * 6 + 5] = 1; // one ink pixel in the bottom-right block
  const out = resample({ size: 6, count: 1, pixels }, 2);
  assert.deepEqual([...out.pixels].map((v) => +v.toFixed(4)), [1, 0, 0, +(1 / 9).toFixed(4)]);
});

Deno.test("shrinking preserves total ink up to the area ratio (105 -> 28)", () => {
  const pixels = new Float32Array(105 * 105).map((_, i) => (i * 7919) % 13 === 0 ? 1 : 0);
  const before = pixels.reduce((a, b) => a + b, 0);
  const out = resample({ size: 105, count: 1, pixels }, 28);
  const after = out.pixels.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(after * (105 / 28) ** 2 - before) < 1e-2 * before);
});

Deno.test("105 -> 35 is the two-pass 3-tap average bit for bit, blank rows and sizes in between included", () => {
  // The reference: rows then columns, each sum of three taps of weight fround(1/3) in float64,
  // rounded to float32 after each pass. resampleInto skips blank rows; the bits must not move.
  const third = Math.fround(1 / 3);
  const reference = (image: Float32Array) => {
    const rows = new Float32Array(35 * 105);
    for (let o = 0; o < 35; o++) {
      for (let c = 0; c < 105; c++) {
        let acc = 0;
        for (let t = 0; t < 3; t++) acc += third * image[(3 * o + t) * 105 + c];
        rows[o * 105 + c] = acc;
      }
    }
    const out = new Float32Array(35 * 35);
    for (let r = 0; r < 35; r++) {
      for (let o = 0; o < 35; o++) {
        let acc = 0;
        for (let t = 0; t < 3; t++) acc += third * rows[r * 105 + 3 * o + t];
        out[r * 35 + o] = acc;
      }
    }
    return out;
  };
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const images = [0, 1, 2].map((k) =>
    new Float32Array(105 * 105).map((_, i) => {
      const row = Math.floor(i / 105);
      // Blank bands of rows (whole output rows, and parts of some), ink or grey elsewhere.
      if (row < 10 + k || (row > 40 && row < 52 + k) || row > 100) return 0;
      return k === 2 ? random() : random() < 0.3 ? 1 : 0;
    })
  );
  const set = { size: 105, count: 3, pixels: new Float32Array(3 * 105 * 105) };
  images.forEach((im, i) => set.pixels.set(im, i * 105 * 105));
  const out = resample(set, 35);
  images.forEach((im, i) => {
    const want = reference(im);
    const got = out.pixels.subarray(i * 35 * 35, (i + 1) * 35 * 35);
    assert.deepEqual(
      new Uint32Array(got.slice().buffer),
      new Uint32Array(want.buffer),
      `image ${i}`,
    );
  });
  // Another size in the same process (the taps are cached per pair of sizes) still averages.
  const small = resample({ size: 6, count: 1, pixels: new Float32Array(36).fill(1) }, 3);
  assert.deepEqual([...small.pixels], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

Deno.test("enlarging a constant image keeps it constant", () => {
  const out = resample({ size: 28, count: 1, pixels: new Float32Array(784).fill(0.25) }, 35);
  for (const v of out.pixels) assert.ok(Math.abs(v - 0.25) < 1e-6);
});

Deno.test("unpacking reads PNG-style bit rows, most significant bit first", () => {
  const packed = new Uint8Array(PACKED_IMAGE_BYTES);
  packed[0] = 0b1000_0001; // pixels (0,0) and (0,7)
  packed[2 * PACKED_ROW_BYTES + 13] = 0b1000_0000; // pixel (2, 104)
  const img = unpackImages(packed, 1, 105);
  const ink = [...img.pixels.keys()].filter((i) => img.pixels[i] === 1);
  assert.deepEqual(ink, [0, 7, 2 * 105 + 104]);
});

Deno.test("ink matching scales a set to the reference's mean ink per image, shapes unchanged", () => {
  // Two 2x2 images with 3 and 1 units of ink (mean 2); the reference has mean 0.5.
  const set = { size: 2, count: 2, pixels: Float32Array.from([1, 1, 1, 0, 0, 0, 1, 0]) };
  const reference = { size: 2, count: 1, pixels: Float32Array.from([0.25, 0.25, 0, 0]) };
  assert.equal(meanInk(set), 2);
  const factor = inkMatchFactor(set, reference);
  assert.equal(factor, 0.25);
  const scaled = scaleImages(set, factor);
  assert.equal(meanInk(scaled), meanInk(reference));
  assert.deepEqual([...scaled.pixels], [0.25, 0.25, 0.25, 0, 0, 0, 0.25, 0]);
  assert.deepEqual([...set.pixels], [1, 1, 1, 0, 0, 0, 1, 0], "the input is not modified");
});

Deno.test("ink matching refuses sets of different sizes and blank sets", () => {
  const a = { size: 2, count: 1, pixels: new Float32Array(4).fill(1) };
  assert.throws(
    () => inkMatchFactor(a, { size: 3, count: 1, pixels: new Float32Array(9) }),
    /sizes differ/,
  );
  assert.throws(() => inkMatchFactor({ ...a, pixels: new Float32Array(4) }, a), /cannot match ink/);
  assert.throws(() => meanInk({ size: 2, count: 0, pixels: new Float32Array(0) }), /empty/);
});
