import assert from "node:assert/strict";
import {
  affineMatrix,
  distortImages,
  IDENTITY_AFFINE,
  KOCH_DISTORTIONS,
  sampleAffine,
  warpAffine,
} from "../../lib/training/augment.ts";
import { Rng } from "../../lib/rng.ts";

/** A 5x5 image with a single ink pixel at (x, y). */
function dot(x: number, y: number, size = 5): Float32Array {
  const img = new Float32Array(size * size);
  img[y * size + x] = 1;
  return img;
}

function inkAt(img: Float32Array, size = 5): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < img.length; i++) if (img[i] > 0.5) out.push([i % size, Math.floor(i / size)]);
  return out;
}

Deno.test("the identity transformation returns the image unchanged", () => {
  const img = Float32Array.from({ length: 25 }, (_, i) => (i * 7) % 5 / 4);
  assert.deepEqual(warpAffine(img, 5, { ...IDENTITY_AFFINE }), img);
});

Deno.test("with every component off (probability 0) the sampled transformation is the identity", () => {
  const params = sampleAffine(new Rng(3), 35, { ...KOCH_DISTORTIONS, probability: 0 });
  assert.deepEqual(params, IDENTITY_AFFINE);
  const img = Float32Array.from({ length: 35 * 35 }, (_, i) => i % 3);
  const copy = img.slice();
  distortImages(img, 35, new Rng(3), { ...KOCH_DISTORTIONS, probability: 0 });
  assert.deepEqual(img, copy);
});

Deno.test("a +90 degree rotation about the centre turns +x into +y: the pixel at (3, 2) moves to (2, 3)", () => {
  const out = warpAffine(dot(3, 2), 5, { ...IDENTITY_AFFINE, rotation: Math.PI / 2 });
  assert.deepEqual(inkAt(out), [[2, 3]]);
  assert.ok(Math.abs(out[3 * 5 + 2] - 1) < 1e-9);
});

Deno.test("a translation by one pixel moves ink one pixel; half a pixel splits it bilinearly", () => {
  assert.deepEqual(inkAt(warpAffine(dot(1, 1), 5, { ...IDENTITY_AFFINE, translateX: 1 })), [[
    2,
    1,
  ]]);
  const half = warpAffine(dot(1, 1), 5, { ...IDENTITY_AFFINE, translateY: 0.5 });
  assert.ok(Math.abs(half[1 * 5 + 1] - 0.5) < 1e-9 && Math.abs(half[2 * 5 + 1] - 0.5) < 1e-9);
});

Deno.test("scaling by 2 about the centre moves the pixel at (3, 2) to (4, 2); ink leaving the image is lost", () => {
  assert.deepEqual(inkAt(warpAffine(dot(3, 2), 5, { ...IDENTITY_AFFINE, scaleX: 2, scaleY: 2 })), [[
    4,
    2,
  ]]);
  assert.deepEqual(inkAt(warpAffine(dot(4, 2), 5, { ...IDENTITY_AFFINE, translateX: 2 })), []);
});

Deno.test("the matrix composes rotation, shear and scale about the centre, then translates", () => {
  const m = affineMatrix({ ...IDENTITY_AFFINE, shearX: 0.3, scaleY: 2, translateX: 1 }, 5);
  // x' = x + 0.3 * 2 (y - 2) + 1, y' = 2 (y - 2) + 2
  assert.deepEqual(m.map((v) => Math.round(v * 1e9) / 1e9), [1, 0.6, -0.2, 0, 2, -2]);
});

Deno.test("sampled components stay inside the paper's ranges, with the translation scaled to the image", () => {
  const rng = new Rng(1);
  let kept = 0;
  for (let i = 0; i < 500; i++) {
    const p = sampleAffine(rng, 35);
    assert.ok(Math.abs(p.rotation) <= (10 * Math.PI) / 180);
    assert.ok(Math.abs(p.shearX) <= 0.3 && Math.abs(p.shearY) <= 0.3);
    assert.ok(p.scaleX >= 0.8 && p.scaleX <= 1.2 && p.scaleY >= 0.8 && p.scaleY <= 1.2);
    assert.ok(Math.abs(p.translateX) <= 2 / 3 + 1e-12 && Math.abs(p.translateY) <= 2 / 3 + 1e-12);
    if (p.rotation !== 0) kept++;
  }
  // Each component is applied with probability 0.5.
  assert.ok(kept > 200 && kept < 300, `rotation applied ${kept} of 500 times`);
});

Deno.test("distortions are deterministic for a seed and differ between seeds", () => {
  const base = Float32Array.from({ length: 35 * 35 }, (_, i) => ((i * 13) % 17) / 16);
  const a = distortImages(base.slice(), 35, new Rng(7));
  const b = distortImages(base.slice(), 35, new Rng(7));
  const c = distortImages(base.slice(), 35, new Rng(8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("warpAffine rejects a wrong-sized image and an aliased output", () => {
  assert.throws(() => warpAffine(new Float32Array(24), 5, IDENTITY_AFFINE), /image has 24 pixels/);
  const img = new Float32Array(25);
  assert.throws(() => warpAffine(img, 5, IDENTITY_AFFINE, img), /alias/);
});
