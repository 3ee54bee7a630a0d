import * as assert from "node:assert/strict";
import {
  ERASED_AREA,
  erasedRectangle,
  eraseRandomRectangles,
} from "../../lib/training/random_erasing.ts";
import { Rng } from "../../lib/rng.ts";

Deno.test("erasedRectangle: the area and aspect the draws pick, placed where it fits", () => {
  const size = 35;
  // Smallest area, aspect 1 (the log-uniform range's middle), top-left corner.
  const small = erasedRectangle(size, [0, 0.5, 0, 0]);
  const side = Math.round(Math.sqrt(ERASED_AREA[0] * size * size));
  assert.deepEqual(small, { x: 0, y: 0, width: side, height: side });
  // Largest area, aspect 1, bottom-right: the last place it fits.
  const large = erasedRectangle(size, [1 - 1e-12, 0.5, 1 - 1e-12, 1 - 1e-12]);
  const big = Math.round(Math.sqrt(ERASED_AREA[1] * size * size));
  assert.deepEqual(large, { x: size - big, y: size - big, width: big, height: big });
  // Tall at the aspect's top, wide at its bottom.
  const tall = erasedRectangle(size, [0.5, 1 - 1e-12, 0.5, 0.5]);
  assert.ok(tall.height > 3 * tall.width, JSON.stringify(tall));
  const wide = erasedRectangle(size, [0.5, 0, 0.5, 0.5]);
  assert.ok(wide.width > 3 * wide.height, JSON.stringify(wide));
  // Always inside the image, never empty, even on a tiny image.
  const rng = new Rng(3);
  for (const s of [2, 5, 35]) {
    for (let i = 0; i < 200; i++) {
      const r = erasedRectangle(s, [rng.next(), rng.next(), rng.next(), rng.next()]);
      assert.ok(r.width >= 1 && r.height >= 1, JSON.stringify(r));
      assert.ok(r.x >= 0 && r.y >= 0, JSON.stringify(r));
      assert.ok(r.x + r.width <= s && r.y + r.height <= s, `${s} ${JSON.stringify(r)}`);
    }
  }
});

Deno.test("eraseRandomRectangles: five draws an image; 0 changes nothing, 1 blanks one rectangle of each", () => {
  const size = 12;
  const count = 6;
  const pixels = new Float32Array(count * size * size).fill(1);
  for (const p of [0, 0.5, 1]) {
    const rng = new Rng(7);
    const out = eraseRandomRectangles(pixels.slice(), size, rng, p);
    // Five draws each, whatever was erased: the stream continues where five per image leave it.
    const after = new Rng(7);
    for (let i = 0; i < 5 * count; i++) after.next();
    assert.equal(rng.next(), after.next(), `draws at p = ${p}`);
    for (let i = 0; i < count; i++) {
      const image = out.subarray(i * size * size, (i + 1) * size * size);
      const blank = image.filter((v) => v === 0).length;
      if (p === 0) assert.equal(blank, 0, "nothing erased at 0");
      if (p === 1) assert.ok(blank > 0, `image ${i} erased at 1`);
    }
  }
  // The erased pixels are exactly the rectangle the draws give.
  const draws = new Rng(9);
  draws.next();
  const box = erasedRectangle(size, [draws.next(), draws.next(), draws.next(), draws.next()]);
  const one = eraseRandomRectangles(new Float32Array(size * size).fill(0.5), size, new Rng(9), 1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      assert.equal(one[y * size + x], inside ? 0 : 0.5, `(${x}, ${y})`);
    }
  }
  assert.throws(() => eraseRandomRectangles(pixels.slice(), size, new Rng(1), 1.5), /probability/);
  assert.throws(
    () => eraseRandomRectangles(new Float32Array(7), size, new Rng(1), 1),
    /whole number/,
  );
});
