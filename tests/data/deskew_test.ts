import assert from "node:assert/strict";
import { deskewInto, isDeskewAmount, MAX_SHEAR, slantOf } from "../../lib/data/deskew.ts";
import { PACKED_IMAGE_BYTES, PACKED_ROW_BYTES, unpackImages } from "../../lib/data/images.ts";

/** A `size` x `size` image with a 3-pixel-wide stroke at x = x0 + slope (y - y0), rows y0..y1. */
function stroke(size: number, x0: number, y0: number, y1: number, slope: number): Float32Array {
  const image = new Float32Array(size * size);
  for (let y = y0; y <= y1; y++) {
    const x = Math.round(x0 + slope * (y - y0));
    for (let dx = -1; dx <= 1; dx++) image[y * size + x + dx] = 1;
  }
  return image;
}

/** Columns holding ink (> 0.5) of `image`, first to last. */
function inkColumns(image: Float32Array, size: number): [number, number] {
  let lo = size, hi = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (image[y * size + x] > 0.5) lo = Math.min(lo, x), hi = Math.max(hi, x);
    }
  }
  return [lo, hi];
}

Deno.test("a slanted stroke's slant is its slope; straight up it is 0", () => {
  // x grows by 0.4 per row downwards: mu11 / mu02 = 0.4 up to the rounding of each row.
  assert.ok(Math.abs(slantOf(stroke(105, 30, 10, 90, 0.4), 105).slant - 0.4) < 0.01);
  assert.ok(Math.abs(slantOf(stroke(105, 70, 10, 90, -0.3), 105).slant + 0.3) < 0.01);
  assert.equal(slantOf(stroke(105, 50, 10, 90, 0), 105).slant, 0);
  // No ink, or all of it on one row (a flat dash): nothing to measure.
  assert.equal(slantOf(new Float32Array(105 * 105), 105).slant, 0);
  assert.equal(slantOf(stroke(105, 50, 40, 40, 0), 105).slant, 0);
});

Deno.test("deskewing stands a slanted stroke upright, about its centre of mass; half takes half", () => {
  const image = stroke(105, 30, 10, 90, 0.4);
  // 81 rows spread over 0.4 x 80 = 32 columns, plus the stroke's 3.
  assert.deepEqual(inkColumns(image, 105), [29, 63]);
  const upright = new Float32Array(105 * 105);
  const shear = deskewInto(image, 105, 1, upright);
  assert.ok(Math.abs(shear - 0.4) < 0.01, `shear ${shear}`);
  const [lo, hi] = inkColumns(upright, 105);
  assert.ok(hi - lo <= 4, `upright stroke spans columns ${lo}..${hi}`);
  // It stays where its centre of mass was: column 30 + 0.4 x 40 = 46.
  assert.ok(lo <= 46 && hi >= 46, `${lo}..${hi}`);
  assert.ok(Math.abs(slantOf(upright, 105).slant) < 0.02);
  const half = new Float32Array(105 * 105);
  deskewInto(image, 105, 0.5, half);
  assert.ok(Math.abs(slantOf(half, 105).slant - 0.2) < 0.02);
  // The ink's mass is kept (no ink sheared off the canvas here).
  const mass = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(mass(upright) - mass(image)) < 1e-3 * mass(image));
});

Deno.test("the shear is held at 45 degrees; amounts outside (0, 1] are refused", () => {
  // Two rows, offset by 3 columns: a slant of 3 per row, sheared by 1 at most.
  const image = new Float32Array(105 * 105);
  for (let x = 40; x < 50; x++) image[50 * 105 + x] = 1, image[51 * 105 + x + 30] = 1;
  assert.ok(slantOf(image, 105).slant > MAX_SHEAR);
  assert.equal(deskewInto(image, 105, 1, new Float32Array(105 * 105)), MAX_SHEAR);
  assert.equal(deskewInto(new Float32Array(105 * 105), 105, 1, new Float32Array(105 * 105)), 0);
  for (const bad of [0, -0.5, 1.5, NaN]) {
    assert.equal(isDeskewAmount(bad), false);
    assert.throws(() => deskewInto(image, 105, bad, new Float32Array(105 * 105)), RangeError);
  }
  assert.throws(() => deskewInto(image, 105, 1, new Float32Array(10)), RangeError);
});

Deno.test("unpacking with deskew shears before the ink box and the resampling", () => {
  const image = stroke(105, 30, 10, 90, 0.4);
  const packed = new Uint8Array(PACKED_IMAGE_BYTES);
  for (let y = 0; y < 105; y++) {
    for (let x = 0; x < 105; x++) {
      if (image[y * 105 + x]) packed[y * PACKED_ROW_BYTES + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  const plain = unpackImages(packed, 1, 105).pixels;
  assert.deepEqual(plain, image);
  const expected = new Float32Array(105 * 105);
  deskewInto(image, 105, 1, expected);
  assert.deepEqual(unpackImages(packed, 1, 105, { deskew: 1 }).pixels, expected);
  // At 35 pixels with the ink box: the stroke stays upright (a few columns), where without
  // deskewing the box holds a slanted one across most of the width.
  const [lo, hi] = inkColumns(unpackImages(packed, 1, 35, { deskew: 1, inkBox: 0.8 }).pixels, 35);
  assert.ok(hi - lo <= 3, `${lo}..${hi}`);
  const [lo2, hi2] = inkColumns(unpackImages(packed, 1, 35, { inkBox: 0.8 }).pixels, 35);
  assert.ok(hi2 - lo2 >= 10, `${lo2}..${hi2}`);
});
