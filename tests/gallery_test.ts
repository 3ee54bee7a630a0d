import { selectBackend } from "../lib/backends/select.ts";
import assert from "node:assert/strict";
import { Gallery } from "../lib/gallery.ts";
import { squaredL2 } from "../lib/distances/squared_l2.ts";
import type { ImageSet } from "../lib/data/images.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

/**
 * Toy "images" 1x2 are not square, so use 2x2 images whose embedding is their first two
 * pixels: what a trained model does to a character, done by hand.
 */
const embed = (images: ImageSet) => {
  const out = new Float32Array(images.count * 2);
  for (let i = 0; i < images.count; i++) out.set(images.pixels.subarray(i * 4, i * 4 + 2), i * 2);
  return out;
};
const img = (x: number, y: number) => Float32Array.of(x, y, 0, 0);
const set = (...points: [number, number][]): ImageSet => ({
  size: 2,
  count: points.length,
  pixels: Float32Array.from(points.flatMap(([x, y]) => [x, y, 0, 0])),
});

function gallery(threshold = 1): Gallery {
  return new Gallery({ embed, dimension: 2, distance: squaredL2, threshold });
}

Deno.test("enroll returns the embeddings of the new class's images", () => {
  const g = gallery();
  const rows = g.enroll("A", set([0, 0], [0, 1]));
  assert.deepEqual(rows.map((r) => Array.from(r)), [[0, 0], [0, 1]]);
  assert.equal(g.size, 2);
  assert.deepEqual(g.labels, ["A"]);
});

Deno.test("identify ranks labels by their nearest enrolled example", () => {
  const g = gallery();
  g.enroll("A", set([0, 0], [0, 1]));
  g.enroll("B", set([3, 0]));
  g.enroll("C", set([0, 5], [2, 2]));
  // Query (2, 1): A nearest at (0, 1) -> 4; B (3, 0) -> 2; C (2, 2) -> 1.
  const ranked = g.identify(img(2, 1));
  assert.deepEqual(ranked.map((m) => [m.label, m.distance, m.withinThreshold]), [["C", 1, true], [
    "B",
    2,
    false,
  ], ["A", 4, false]]);
  assert.deepEqual(g.identify(img(2, 1), { top: 1 }).map((m) => m.label), ["C"]);
});

Deno.test("a class enrolled later is recognised without retraining", () => {
  const g = gallery();
  g.enroll("A", set([0, 0]));
  assert.equal(g.identify(img(9, 9))[0].label, "A");
  g.enroll("Z", set([9, 8]));
  assert.equal(g.identify(img(9, 9))[0].label, "Z");
});

Deno.test("verify says same at or under the threshold k and different above it", () => {
  const g = gallery(2);
  assert.deepEqual(g.verify(img(0, 0), img(1, 1)), { same: true, distance: 2 });
  assert.deepEqual(g.verify(img(0, 0), img(1, 2)), { same: false, distance: 5 });
  g.threshold = 5;
  assert.equal(g.verify(img(0, 0), img(1, 2)).same, true);
});

Deno.test("the gallery rejects bad input with messages that name it", () => {
  const g = gallery();
  assert.throws(() => g.identify(img(0, 0)), /empty/);
  assert.throws(() => g.enroll("", set([0, 0])), /label/);
  assert.throws(() => g.verify(Float32Array.of(1, 2, 3), img(0, 0)), /square/);
  assert.throws(
    () => new Gallery({ embed, dimension: 2, distance: squaredL2, threshold: NaN }),
    /threshold/,
  );
});

Deno.test("identifyAll counts queries whose label is first, and within the best `top`", () => {
  const g = gallery();
  g.enroll("A", set([0, 0]));
  g.enroll("B", set([3, 0]));
  g.enroll("C", set([10, 0]));
  const score = g.identifyAll([
    { image: set([0.2, 0]), label: "A" }, // first
    { image: set([2, 0]), label: "A" }, // B is nearer: A second
    { image: set([9, 0]), label: "A" }, // C, then B: A third
  ], { top: 2 });
  assert.deepEqual(score, { top1: 1, topK: 2, queries: 3 });
});
