/**
 * Slant normalisation of a character (deskewing, as for MNIST digits in LeCun et al. 1998's
 * k-NN rows): the image sheared horizontally about its ink's centre of mass so that the ink's
 * principal slant, its second moments' ratio mu11 / mu02, is taken away (a share `amount` of it).
 * Drawers slant the same character differently, and every koch-400 and koch-val trial pairs two
 * drawers. Not in the paper: `evaluation.deskew`, tried on validation (docs/studies.md).
 */

/** The largest shear applied, in pixels of x per pixel of y (45 degrees): a flat stroke's
 * ratio is unbounded. */
export const MAX_SHEAR = 1;

/** Whether `amount` is a share of the slant to take away: above 0 up to 1. */
export function isDeskewAmount(amount: number): boolean {
  return Number.isFinite(amount) && amount > 0 && amount <= 1;
}

/** The ink's slant of `image` (`[size, size]`): mu11 / mu02 about its centre of mass, and the
 * centre's row; 0 for an image without ink or with all its ink on one row. */
export function slantOf(image: ArrayLike<number>, size: number): { slant: number; cy: number } {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0, at = y * size; x < size; x++, at++) {
      const v = image[at];
      if (v > 0) {
        m += v;
        sx += v * x;
        sy += v * y;
      }
    }
  }
  if (m === 0) return { slant: 0, cy: 0 };
  const cx = sx / m, cy = sy / m;
  let mu11 = 0, mu02 = 0;
  for (let y = 0; y < size; y++) {
    const dy = y - cy;
    for (let x = 0, at = y * size; x < size; x++, at++) {
      const v = image[at];
      if (v > 0) {
        mu11 += v * (x - cx) * dy;
        mu02 += v * dy * dy;
      }
    }
  }
  return { slant: mu02 > 1e-9 ? mu11 / mu02 : 0, cy };
}

/**
 * Write `image` (`[size, size]`) deskewed by `amount` of its slant into `out`: row y's pixel x
 * reads the source at x + shear (y - cy), linearly between columns, zeros outside, with
 * shear = amount x slant clamped to +-{@link MAX_SHEAR}. Returns the shear applied.
 */
export function deskewInto(
  image: ArrayLike<number>,
  size: number,
  amount: number,
  out: Float32Array,
): number {
  if (!isDeskewAmount(amount)) {
    throw new RangeError(`deskewInto: amount must be in (0, 1], got ${amount}`);
  }
  if (out.length < size * size) {
    throw new RangeError(`deskewInto: out holds ${out.length} values, the image ${size * size}`);
  }
  const { slant, cy } = slantOf(image, size);
  const shear = Math.max(-MAX_SHEAR, Math.min(MAX_SHEAR, amount * slant));
  for (let y = 0; y < size; y++) {
    const offset = shear * (y - cy);
    const whole = Math.floor(offset), frac = offset - whole;
    const row = y * size;
    for (let x = 0; x < size; x++) {
      const x0 = x + whole, x1 = x0 + 1;
      const a = x0 >= 0 && x0 < size ? image[row + x0] : 0;
      const b = x1 >= 0 && x1 < size ? image[row + x1] : 0;
      out[row + x] = a + (b - a) * frac;
    }
  }
  return shear;
}
