import assert from "node:assert/strict";
import type { ImageSet } from "../../lib/data/images.ts";
import {
  SHIFT_VIEWS,
  shiftImages,
  viewAveragedEmbedder,
} from "../../lib/evaluation/test_time_views.ts";

/** Two 3x3 images with ink at given (x, y) points. */
function images(...inked: [number, number][][]): ImageSet {
  const pixels = new Float32Array(inked.length * 9);
  inked.forEach((points, i) => points.forEach(([x, y]) => pixels[i * 9 + y * 3 + x] = 1));
  return { size: 3, count: inked.length, pixels };
}

Deno.test("shiftImages moves ink by (dx, dy) in each image and drops what leaves the frame", () => {
  const set = images([[0, 0], [2, 1]], [[1, 2]]);
  assert.deepEqual(shiftImages(set, [1, 0]), images([[1, 0]], [[2, 2]]));
  assert.deepEqual(shiftImages(set, [0, -1]), images([[2, 0]], [[1, 1]]));
  assert.deepEqual(shiftImages(set, [-1, 1]), images([[1, 2]], []));
  assert.equal(shiftImages(set, [0, 0]), set, "the image itself is not copied");
});

Deno.test("the view-averaged embedder returns the mean of the embedder over the views", () => {
  // An "embedder" reading the ink at (1, 1) and (0, 1) of each image.
  const embed = (set: ImageSet) => {
    const out = new Float32Array(set.count * 2);
    for (let i = 0; i < set.count; i++) {
      out[i * 2] = set.pixels[i * 9 + 4];
      out[i * 2 + 1] = set.pixels[i * 9 + 3];
    }
    return out;
  };
  const set = images([[1, 1]], [[2, 1]]);
  const mean = viewAveragedEmbedder(embed)(set);
  // Image 0: (1,1) inked in the view (0,0) only; (0,1) in the view (-1,0).
  // Image 1: (1,1) inked in the view (-1,0); (0,1) in none.
  assert.deepEqual(Array.from(mean), [1 / 5, 1 / 5, 1 / 5, 0].map(Math.fround));
  assert.equal(SHIFT_VIEWS.length, 5);
  assert.throws(() => viewAveragedEmbedder(embed, []), /no views/);
});
