/**
 * The affine distortions of Koch et al. section 3.2: "For each pair we sampled a
 * transformation T = (theta, rho_x, rho_y, s_x, s_y, t_x, t_y) with theta in [-10, 10]
 * degrees, rho in [-0.3, 0.3], s in [0.8, 1.2] and t in [-2, 2] pixels", each component
 * kept with probability 0.5 (otherwise it takes its identity value). Here each image gets
 * its own transformation, and the translation is scaled with the image (2 px at 105x105
 * is about 0.67 px at 35x35).
 *
 * Coordinates: x to the right, y down, pixel centres at integers, the transformation
 * taken about the image centre. A positive rotation turns +x towards +y (clockwise on
 * screen). Sampling is bilinear; points outside the image read as background (0).
 */
import type { Rng } from "../rng.ts";
import { readBilinear } from "./bilinear.ts";
import { transformEachImage } from "./each_image.ts";

/** Ranges of the random distortions. */
export interface DistortionRanges {
  /** Rotation drawn from [-r, r] degrees. */
  rotationDegrees: number;
  /** Each shear factor drawn from [-s, s]. */
  shear: number;
  /** Each scale factor drawn from [lo, hi]. */
  scale: [number, number];
  /** Each translation drawn from [-t, t] pixels of a 105x105 image (scaled to the image size). */
  translation: number;
  /** Probability with which each of the seven components is applied. */
  probability: number;
}

/** Section 3.2's ranges. */
export const KOCH_DISTORTIONS: DistortionRanges = {
  rotationDegrees: 10,
  shear: 0.3,
  scale: [0.8, 1.2],
  translation: 2,
  probability: 0.5,
};

/** One affine transformation, in the units of the image it applies to. */
export interface AffineParams {
  /** Radians. */
  rotation: number;
  shearX: number;
  shearY: number;
  scaleX: number;
  scaleY: number;
  /** Pixels of the image being warped. */
  translateX: number;
  translateY: number;
}

/** The transformation that changes nothing. */
export const IDENTITY_AFFINE: Readonly<AffineParams> = {
  rotation: 0,
  shearX: 0,
  shearY: 0,
  scaleX: 1,
  scaleY: 1,
  translateX: 0,
  translateY: 0,
};

/**
 * Draw a transformation for a `size` x `size` image. Every component consumes two draws
 * (the coin and the value) whether it is kept or not, so the stream advances by exactly 14
 * draws per image.
 */
export function sampleAffine(
  rng: Rng,
  size: number,
  ranges: DistortionRanges = KOCH_DISTORTIONS,
): AffineParams {
  const p = ranges.probability;
  const pick = (identity: number, lo: number, hi: number) => {
    const keep = rng.next() < p;
    const value = rng.uniform(lo, hi);
    return keep ? value : identity;
  };
  const t = ranges.translation * size / 105;
  const r = ranges.rotationDegrees * Math.PI / 180;
  return {
    rotation: pick(0, -r, r),
    shearX: pick(0, -ranges.shear, ranges.shear),
    shearY: pick(0, -ranges.shear, ranges.shear),
    scaleX: pick(1, ranges.scale[0], ranges.scale[1]),
    scaleY: pick(1, ranges.scale[0], ranges.scale[1]),
    translateX: pick(0, -t, t),
    translateY: pick(0, -t, t),
  };
}

/**
 * The forward map as a 2x3 matrix `[a, b, c, d, e, f]`: a source point (x, y) lands on
 * (a x + b y + c, d x + e y + f). It is rotation . shear . scale about the centre, then
 * the translation.
 */
export function affineMatrix(params: AffineParams, size: number): number[] {
  const { rotation, shearX, shearY, scaleX, scaleY, translateX, translateY } = params;
  const cos = Math.cos(rotation), sin = Math.sin(rotation);
  // shear [[1, shx], [shy, 1]] times scale diag(sx, sy)
  const m00 = scaleX, m01 = shearX * scaleY, m10 = shearY * scaleX, m11 = scaleY;
  const a = cos * m00 - sin * m10, b = cos * m01 - sin * m11;
  const d = sin * m00 + cos * m10, e = sin * m01 + cos * m11;
  const c0 = (size - 1) / 2;
  return [a, b, c0 - a * c0 - b * c0 + translateX, d, e, c0 - d * c0 - e * c0 + translateY];
}

/**
 * Warp one `[size, size]` image by `params` into `out` (a new array when omitted):
 * every output pixel reads the source at the inverse-mapped point, bilinearly.
 */
export function warpAffine(
  image: Float32Array,
  size: number,
  params: AffineParams,
  out: Float32Array = new Float32Array(size * size),
): Float32Array {
  if (image.length !== size * size) {
    throw new RangeError(`warpAffine: image has ${image.length} pixels, expected ${size * size}`);
  }
  if (out.length !== size * size) {
    throw new RangeError(`warpAffine: out has ${out.length} pixels, expected ${size * size}`);
  }
  if (out === image) throw new RangeError("warpAffine: out must not alias image");
  const [a, b, c, d, e, f] = affineMatrix(params, size);
  const det = a * e - b * d;
  if (!(Math.abs(det) > 1e-12)) throw new RangeError("warpAffine: the transformation is singular");
  // inverse of [[a, b], [d, e]]
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  for (let yo = 0; yo < size; yo++) {
    for (let xo = 0; xo < size; xo++) {
      const u = xo - c, v = yo - f;
      out[yo * size + xo] = readBilinear(image, size, ia * u + ib * v, id * u + ie * v);
    }
  }
  return out;
}

/** Distort every image of a `[count, size, size]` stack in place, each with its own draw from `rng`. */
export function distortImages(
  pixels: Float32Array,
  size: number,
  rng: Rng,
  ranges: DistortionRanges = KOCH_DISTORTIONS,
): Float32Array {
  return transformEachImage(pixels, size, "distortImages", (image, out) => {
    warpAffine(image, size, sampleAffine(rng, size, ranges), out);
    return true;
  });
}
