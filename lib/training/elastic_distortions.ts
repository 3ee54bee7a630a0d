/**
 * Elastic distortions (Simard, Steinkraus and Platt 2003, "Best practices for convolutional neural
 * networks applied to visual document analysis"): each training image resampled along a smooth
 * random displacement field, uniform noise in [-1, 1] per pixel and direction, blurred by a
 * Gaussian and scaled. Not in the paper. Where the affine distortions of section 3.2 move a
 * character as a whole, an elastic field bends its strokes locally, as one drawer's hand differs
 * from another's; koch-400's queries are all another drawer's drawings of the supports'
 * characters.
 *
 * The field's smoothness follows Simard et al.'s MNIST setting (sigma 4 px on 28-px digits), as a
 * fraction of the image's side; its size is given as the root-mean-square displacement in pixels
 * of a 105x105 image (as the affine translation is), scaled to the image trained on, and every
 * field is scaled to exactly that size. Bilinear sampling, background (0) outside the image.
 */
import type { Rng } from "../rng.ts";
import { readBilinear } from "./bilinear.ts";
import { transformEachImage } from "./each_image.ts";

/** The Gaussian's sigma as a fraction of the image's side: Simard et al.'s 4 px of 28. */
export const ELASTIC_SIGMA_FRACTION = 4 / 28;

/** Whether `rms` is a usable displacement (pixels of a 105x105 image): above 0, at most 20. */
export function isElasticDisplacement(rms: number): boolean {
  return Number.isFinite(rms) && rms > 0 && rms <= 20;
}

/** A normalised Gaussian of standard deviation `sigma`, out to 3 sigma each side. */
export function gaussianKernel(sigma: number): Float64Array {
  if (!(sigma > 0)) throw new RangeError(`gaussianKernel: sigma must be above 0, got ${sigma}`);
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += kernel[i + radius];
  }
  return kernel.map((w) => w / sum);
}

/**
 * Blur the `size` x `size` row-major `field` in place by `kernel`, rows then columns, reading 0
 * outside the image; `scratch` (same length) holds the rows' pass.
 */
export function blurField(
  field: Float64Array,
  size: number,
  kernel: Float64Array,
  scratch: Float64Array,
): void {
  const radius = (kernel.length - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let k = Math.max(-radius, -x); k <= Math.min(radius, size - 1 - x); k++) {
        sum += kernel[k + radius] * field[y * size + x + k];
      }
      scratch[y * size + x] = sum;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let k = Math.max(-radius, -y); k <= Math.min(radius, size - 1 - y); k++) {
        sum += kernel[k + radius] * scratch[(y + k) * size + x];
      }
      field[y * size + x] = sum;
    }
  }
}

/** The field's Gaussian for each image side, made once: every image of a batch blurs by it. */
const KERNELS = new Map<number, Float64Array>();

function kernelForSide(size: number): Float64Array {
  let kernel = KERNELS.get(size);
  if (!kernel) KERNELS.set(size, kernel = gaussianKernel(ELASTIC_SIGMA_FRACTION * size));
  return kernel;
}

/** A displacement field: pixel i of the output reads the source at (x + dx[i], y + dy[i]). */
export interface DisplacementField {
  dx: Float64Array;
  dy: Float64Array;
}

/**
 * Draw a field for a `size` x `size` image whose root-mean-square displacement is `rms` pixels
 * (of this image). Consumes exactly 2 size^2 draws of `rng`: dx's noise, then dy's.
 */
export function elasticField(rng: Rng, size: number, rms: number): DisplacementField {
  const n = size * size;
  const kernel = kernelForSide(size);
  const scratch = new Float64Array(n);
  const noise = () => {
    const field = new Float64Array(n);
    for (let i = 0; i < n; i++) field[i] = rng.uniform(-1, 1);
    blurField(field, size, kernel, scratch);
    return field;
  };
  const dx = noise(), dy = noise();
  let squares = 0;
  for (let i = 0; i < n; i++) squares += dx[i] * dx[i] + dy[i] * dy[i];
  const scale = squares > 0 ? rms / Math.sqrt(squares / n) : 0;
  for (let i = 0; i < n; i++) {
    dx[i] *= scale;
    dy[i] *= scale;
  }
  return { dx, dy };
}

/** Resample `image` along `field` into `out` (not `image`). */
export function warpAlongField(
  image: Float32Array,
  size: number,
  field: DisplacementField,
  out: Float32Array,
): Float32Array {
  if (out === image) throw new RangeError("warpAlongField: out must not alias image");
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      out[i] = readBilinear(image, size, x + field.dx[i], y + field.dy[i]);
    }
  }
  return out;
}

/**
 * Distort every image of a `[count, size, size]` stack in place along its own field, of `rms`
 * pixels of a 105x105 image scaled to `size`. Every image consumes exactly 2 size^2 draws.
 */
export function elasticDistortions(
  pixels: Float32Array,
  size: number,
  rng: Rng,
  rms: number,
): Float32Array {
  if (!isElasticDisplacement(rms)) {
    throw new RangeError(`elasticDistortions: rms must be in (0, 20] pixels, got ${rms}`);
  }
  return transformEachImage(pixels, size, "elasticDistortions", (image, out) => {
    warpAlongField(image, size, elasticField(rng, size, (rms * size) / 105), out);
    return true;
  });
}
