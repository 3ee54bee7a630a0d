import assert from "node:assert/strict";
import {
  PACKED_IMAGE_BYTES,
  PACKED_ROW_BYTES,
  resample,
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
