import assert from "node:assert/strict";
import { DataError } from "../../lib/data/errors.ts";
import { loadMnist, parseIdxImages, parseIdxLabels } from "../../lib/data/mnist.ts";

function idx3(count: number, side: number, fill: (i: number) => number): Uint8Array {
  const b = new Uint8Array(16 + count * side * side);
  const v = new DataView(b.buffer);
  v.setUint32(0, 2051);
  v.setUint32(4, count);
  v.setUint32(8, side);
  v.setUint32(12, side);
  for (let i = 0; i < count * side * side; i++) b[16 + i] = fill(i);
  return b;
}

Deno.test("IDX3 images parse to ink = value / 255", () => {
  const set = parseIdxImages(idx3(2, 2, (i) => i * 51));
  assert.equal(set.count, 2);
  assert.equal(set.size, 2);
  // Bytes 0, 51, ..., 255, then 306 and 357 wrap to 50 and 101.
  const want = [0, 0.2, 0.4, 0.6, 0.8, 1, 50 / 255, 101 / 255];
  set.pixels.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `pixel ${i}`));
});

Deno.test("a truncated IDX file is a DataError", () => {
  const b = idx3(3, 4, () => 0);
  assert.throws(() => parseIdxImages(b.subarray(0, b.length - 1)), DataError);
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]);
  assert.throws(() => parseIdxLabels(labels), /truncated/);
});

Deno.test("the MNIST test set loads with 10,000 labelled digits and white ink", async () => {
  const m = await loadMnist({ split: "test" });
  assert.equal(m.images.count, 10_000);
  assert.equal(m.images.size, 28);
  assert.equal(m.labels.length, 10_000);
  const counts = new Array(10).fill(0);
  for (const l of m.labels) counts[l]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200);
  // Border pixels are background (0), the centre carries ink.
  assert.equal(m.images.pixels[0], 0);
  const big = await loadMnist({ split: "test", size: 35 });
  assert.equal(big.images.size, 35);
});
