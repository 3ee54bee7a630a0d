import assert from "node:assert/strict";
import { isImageProbability, transformEachImage } from "../../lib/training/each_image.ts";

Deno.test("transformEachImage: each image in order, replaced only when the transform says so", () => {
  // Three 2x2 images filled with 1, 2, 3.
  const pixels = Float32Array.from({ length: 12 }, (_, i) => Math.floor(i / 4) + 1);
  const seen: number[] = [];
  const out = transformEachImage(pixels, 2, "test", (image, scratch, index) => {
    seen.push(index);
    for (let j = 0; j < 4; j++) scratch[j] = image[j] * 10 + j;
    return index !== 1;
  });
  assert.equal(out, pixels, "in place");
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual([...pixels], [10, 11, 12, 13, 2, 2, 2, 2, 30, 31, 32, 33]);
  assert.throws(
    () => transformEachImage(new Float32Array(5), 2, "mine", () => true),
    /mine: 5 values is not a whole number of 2x2 images/,
  );
});

Deno.test("isImageProbability: 0 to 1 only (thick strokes, erasing)", () => {
  for (const p of [0, 0.5, 1]) assert.ok(isImageProbability(p));
  for (const p of [-0.1, 1.01, NaN, Infinity]) assert.ok(!isImageProbability(p));
});
