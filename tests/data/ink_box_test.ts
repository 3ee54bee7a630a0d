import assert from "node:assert/strict";
import { cropWindow, inkWindow, MAX_INK_BOX_ZOOM } from "../../lib/data/ink_box.ts";
import { PACKED_IMAGE_BYTES, PACKED_ROW_BYTES, unpackImages } from "../../lib/data/images.ts";

/** A `size` x `size` image with ink on the rectangle [x0, x1] x [y0, y1] (inclusive). */
function rectangle(size: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const image = new Float32Array(size * size);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) image[y * size + x] = 1;
  return image;
}

/** The same rectangle bit-packed as Omniglot's 105x105 images are (PNG rows, MSB first). */
function packedRectangle(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const packed = new Uint8Array(PACKED_IMAGE_BYTES);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) packed[y * PACKED_ROW_BYTES + (x >> 3)] |= 0x80 >> (x & 7);
  }
  return packed;
}

/** Centre of ink mass and the side of the ink's bounding box of one `[size, size]` image. */
function inkShape(image: Float32Array, size: number) {
  let mass = 0, mx = 0, my = 0, x0 = size, x1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = image[y * size + x];
      if (v <= 0) continue;
      mass += v, mx += v * (x + 0.5), my += v * (y + 0.5);
      x0 = Math.min(x0, x), x1 = Math.max(x1, x);
    }
  }
  return { cx: mx / mass, cy: my / mass, width: x1 - x0 + 1, mass };
}

Deno.test("the ink window is centred on the ink's box, its longer side the given share", () => {
  // Ink on x 60..89 (30 wide), y 10..29 (20 high) of 105: window side 30 / 0.5 = 60, not below
  // 105 / 2; centred on (75, 20), so it starts at 45, -10 (above the image).
  assert.deepEqual(inkWindow(rectangle(105, 60, 10, 89, 29), 105, 0.5), {
    x: 45,
    y: -10,
    side: 60,
  });
  // At fill 1 the window would be the box itself, 30 wide: held at ceil(105 / 2) = 53.
  const held = inkWindow(rectangle(105, 60, 10, 89, 29), 105, 1);
  assert.equal(held.side, Math.ceil(105 / MAX_INK_BOX_ZOOM));
  // Centred to within half a pixel (an odd side cannot be centred on a whole pixel's edge).
  assert.ok(Math.abs(held.x + held.side / 2 - 75) <= 0.5, JSON.stringify(held));
  assert.ok(Math.abs(held.y + held.side / 2 - 20) <= 0.5, JSON.stringify(held));
  // No ink: the whole canvas.
  assert.deepEqual(inkWindow(new Float32Array(105 * 105), 105, 0.8), { x: 0, y: 0, side: 105 });
  assert.throws(() => inkWindow(new Float32Array(4), 2, 0), RangeError);
  assert.throws(() => inkWindow(new Float32Array(4), 2, 1.5), RangeError);
});

Deno.test("cropping a window copies what lies inside the image and zeros the rest", () => {
  // 4x4 image holding 1..16; the 3x3 window at (2, -1) sees rows -1..1, columns 2..4.
  const image = Float32Array.from({ length: 16 }, (_, i) => i + 1);
  const out = new Float32Array(9).fill(-1);
  cropWindow(image, 4, { x: 2, y: -1, side: 3 }, out);
  assert.deepEqual([...out], [0, 0, 0, 3, 4, 0, 7, 8, 0]);
  assert.throws(
    () => cropWindow(image, 4, { x: 0, y: 0, side: 3 }, new Float32Array(8)),
    RangeError,
  );
});

Deno.test("with an ink box a small character off centre comes out centred and larger", () => {
  // A 20x10 block of ink in the top-left quarter of the 105x105 canvas.
  const packed = packedRectangle(5, 10, 24, 19);
  const plain = inkShape(unpackImages(packed, 1, 35).pixels, 35);
  const boxed = inkShape(unpackImages(packed, 1, 35, { inkBox: 0.8 }).pixels, 35);
  // Without the box: at a third of its place and size.
  assert.ok(Math.abs(plain.cx - 5) < 0.01 && Math.abs(plain.cy - 5) < 0.01, JSON.stringify(plain));
  assert.ok(plain.width <= 8);
  // With it (the window 53 wide, the zoom's limit): centred, twice as large.
  assert.ok(
    Math.abs(boxed.cx - 17.5) < 0.5 && Math.abs(boxed.cy - 17.5) < 0.5,
    JSON.stringify(boxed),
  );
  assert.ok(boxed.width >= 13, JSON.stringify(boxed));
  // A character that fills most of the canvas is scaled down to the share, centred.
  const large = inkShape(
    unpackImages(packedRectangle(0, 0, 99, 99), 1, 35, { inkBox: 0.8 }).pixels,
    35,
  );
  assert.ok(Math.abs(large.cx - 17.5) < 0.5, JSON.stringify(large));
  assert.ok(large.width >= 28 && large.width <= 30, JSON.stringify(large));
  // At a small share the window is wider than twice the image (350 at 0.3): still cut.
  const far = inkShape(
    unpackImages(packedRectangle(0, 0, 104, 104), 1, 35, { inkBox: 0.3 }).pixels,
    35,
  );
  assert.ok(
    Math.abs(far.cx - 17.5) < 0.5 && far.width >= 10 && far.width <= 12,
    JSON.stringify(far),
  );
  // Unset, the images are those of before (the same call without the argument).
  assert.deepEqual(
    unpackImages(packed, 1, 35, {}).pixels,
    unpackImages(packed, 1, 35).pixels,
  );
});
