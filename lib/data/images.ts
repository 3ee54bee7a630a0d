/**
 * Grey-level image stacks as every model and baseline sees them: ink = 1, background = 0,
 * values in [0, 1], row-major `[count, size, size]`. Omniglot (black ink on white) is
 * inverted on decode and MNIST (white on black) is already ink = 1, so the two share a
 * polarity and a model trained on one sees the other the same way up (paper section 4.4).
 */
import { sum } from "d3-array";
import { cropWindow, inkWindow, maxInkWindow } from "./ink_box.ts";
import { deskewInto } from "./deskew.ts";

/** A stack of square single-channel images. */
export interface ImageSet {
  /** Side length in pixels. */
  readonly size: number;
  /** Number of images. */
  readonly count: number;
  /** `[count, size, size]`, ink = 1. */
  readonly pixels: Float32Array;
}

/** Side of an Omniglot image as released. */
export const OMNIGLOT_SIZE = 105;
/** Bytes of one bit-packed 105x105 image row (PNG layout: ceil(105 / 8)). */
export const PACKED_ROW_BYTES = Math.ceil(OMNIGLOT_SIZE / 8);
/** Bytes of one bit-packed 105x105 image. */
export const PACKED_IMAGE_BYTES = PACKED_ROW_BYTES * OMNIGLOT_SIZE;

/** A view of image `index` of `set` (no copy). */
export function imageAt(set: ImageSet, index: number): Float32Array {
  if (!(Number.isInteger(index) && index >= 0 && index < set.count)) {
    throw new RangeError(`imageAt: index ${index} outside [0, ${set.count})`);
  }
  const n = set.size * set.size;
  return set.pixels.subarray(index * n, (index + 1) * n);
}

/** A new set holding the images at `indices`, in that order. */
export function selectImages(set: ImageSet, indices: readonly number[]): ImageSet {
  const n = set.size * set.size;
  const pixels = new Float32Array(indices.length * n);
  indices.forEach((src, dst) => pixels.set(imageAt(set, src), dst * n));
  return { size: set.size, count: indices.length, pixels };
}

/** Mean ink per image: the sum of all pixels over the image count (stroke length times weight). */
export function meanInk(set: ImageSet): number {
  if (set.count === 0) throw new RangeError("meanInk: empty image set");
  return sum(set.pixels) / set.count;
}

/**
 * Ink matching: the factor that, multiplied into every pixel of `set`, gives it the mean ink
 * per image of `reference` (same image size). Only intensities change, not shapes, and no
 * labels are used. MNIST digits at 35x35 carry about 1.7 times the ink of Omniglot
 * characters (thicker, saturated strokes); see `lib/experiments/mnist.ts` for what
 * matching does to transfer.
 */
export function inkMatchFactor(set: ImageSet, reference: ImageSet): number {
  if (set.size !== reference.size) {
    throw new RangeError(
      `inkMatchFactor: sizes differ (${set.size} vs reference ${reference.size})`,
    );
  }
  const factor = meanInk(reference) / meanInk(set);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new RangeError(
      `inkMatchFactor: cannot match ink (factor ${factor}); is either set blank?`,
    );
  }
  return factor;
}

/** `set` with every pixel multiplied by `factor`. */
export function scaleImages(set: ImageSet, factor: number): ImageSet {
  return mapPixels(set, (v) => v * factor);
}

/** A copy of `set` with every pixel passed through `f`. */
export function mapPixels(set: ImageSet, f: (value: number) => number): ImageSet {
  const pixels = new Float32Array(set.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = f(set.pixels[i]);
  return { size: set.size, count: set.count, pixels };
}

/**
 * 1-D resampling weights from `src` to `dst` samples. Shrinking averages the source
 * cells each output cell covers (area filter, exact for 105 -> 35); enlarging
 * interpolates linearly (the paper upsamples MNIST 28 -> 35, section 4.4).
 */
function axisWeights(
  src: number,
  dst: number,
): { index: Int32Array; weight: Float32Array; taps: number } {
  if (dst <= src) {
    const scale = src / dst;
    const taps = Math.ceil(scale) + 1;
    const index = new Int32Array(dst * taps);
    const weight = new Float32Array(dst * taps);
    for (let o = 0; o < dst; o++) {
      const lo = o * scale, hi = (o + 1) * scale;
      let t = 0;
      for (let i = Math.floor(lo); i < Math.min(src, Math.ceil(hi)); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap <= 0) continue;
        index[o * taps + t] = i;
        weight[o * taps + t] = overlap / scale;
        t++;
      }
    }
    return { index, weight, taps };
  }
  const taps = 2;
  const index = new Int32Array(dst * taps);
  const weight = new Float32Array(dst * taps);
  for (let o = 0; o < dst; o++) {
    // Pixel centres aligned (half-pixel convention).
    const x = Math.min(src - 1, Math.max(0, (o + 0.5) * (src / dst) - 0.5));
    const i0 = Math.floor(x), i1 = Math.min(src - 1, i0 + 1), f = x - i0;
    index[o * 2] = i0;
    weight[o * 2] = 1 - f;
    index[o * 2 + 1] = i1;
    weight[o * 2 + 1] = f;
  }
  return { index, weight, taps };
}

/** The taps of {@link axisWeights} with a nonzero weight, in order, for each output sample. */
interface Taps {
  /** `start[o]` to `start[o + 1]` index `index` and `weight`. */
  start: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

const tapsCache = new Map<string, Taps>();

/** Nonzero taps from `src` to `dst` samples, computed once per pair of sizes. */
function nonzeroTaps(src: number, dst: number): Taps {
  const key = `${src}:${dst}`;
  const cached = tapsCache.get(key);
  if (cached) return cached;
  const w = axisWeights(src, dst);
  const start = new Int32Array(dst + 1);
  const index: number[] = [], weight: number[] = [];
  for (let o = 0; o < dst; o++) {
    for (let t = 0; t < w.taps; t++) {
      if (w.weight[o * w.taps + t] === 0) continue;
      index.push(w.index[o * w.taps + t]);
      weight.push(w.weight[o * w.taps + t]);
    }
    start[o + 1] = index.length;
  }
  const taps = { start, index: Int32Array.from(index), weight: Float32Array.from(weight) };
  tapsCache.set(key, taps);
  return taps;
}

/** Scratch of {@link resampleInto}, grown as needed (one image at a time). */
let scratch = { rows: new Float32Array(0), acc: new Float64Array(0), ink: new Uint8Array(0) };

/**
 * Resample one `[src, src]` image into `out` (`[dst, dst]`), separably: rows first, then
 * columns, each output sample the sum of its nonzero taps in order, in float64, rounded to
 * float32 once. Rows without ink add nothing and are skipped (adding `w * 0` changes no sum:
 * pixels are never negative), which makes Omniglot's mostly blank images quick.
 */
export function resampleInto(
  image: ArrayLike<number>,
  src: number,
  out: Float32Array,
  dst: number,
): void {
  if (src === dst) {
    for (let i = 0; i < dst * dst; i++) out[i] = image[i];
    return;
  }
  const w = nonzeroTaps(src, dst);
  if (scratch.rows.length < dst * src || scratch.ink.length < Math.max(src, dst)) {
    const n = Math.max(src, dst);
    scratch = {
      rows: new Float32Array(n * n),
      acc: new Float64Array(n),
      ink: new Uint8Array(n),
    };
  }
  const { rows, acc, ink } = scratch;
  // Which source rows have ink.
  for (let r = 0; r < src; r++) {
    let any = 0;
    for (let c = r * src, end = c + src; c < end; c++) {
      if (image[c] !== 0) {
        any = 1;
        break;
      }
    }
    ink[r] = any;
  }
  // Rows pass: output row o of [dst rows, src cols]; rowInk[o] whether it has any ink.
  const rowInk = new Uint8Array(dst);
  for (let o = 0; o < dst; o++) {
    acc.fill(0, 0, src);
    let any = 0;
    for (let t = w.start[o]; t < w.start[o + 1]; t++) {
      const from = w.index[t];
      if (!ink[from]) continue;
      any = 1;
      const wt = w.weight[t];
      for (let c = 0, at = from * src; c < src; c++) acc[c] += wt * image[at + c];
    }
    rowInk[o] = any;
    for (let c = 0; c < src; c++) rows[o * src + c] = acc[c];
  }
  // Columns pass.
  for (let r = 0; r < dst; r++) {
    const base = r * src;
    if (!rowInk[r]) {
      out.fill(0, r * dst, (r + 1) * dst);
      continue;
    }
    for (let o = 0; o < dst; o++) {
      let sum = 0;
      for (let t = w.start[o]; t < w.start[o + 1]; t++) {
        sum += w.weight[t] * rows[base + w.index[t]];
      }
      out[r * dst + o] = sum;
    }
  }
}

/** Resample every image of `set` to `size` x `size`. */
export function resample(set: ImageSet, size: number): ImageSet {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`resample: size must be a positive integer, got ${size}`);
  }
  if (size === set.size) return set;
  const n = size * size;
  const pixels = new Float32Array(set.count * n);
  for (let i = 0; i < set.count; i++) {
    resampleInto(imageAt(set, i), set.size, pixels.subarray(i * n, (i + 1) * n), size);
  }
  return { size, count: set.count, pixels };
}

/**
 * How Omniglot's 105x105 images are normalised before they are resampled: each step applies
 * when set, slant first, then the ink box. The images as released when both are unset.
 */
export interface InkNormalization {
  /** Share of its slant each character is sheared back by (deskew.ts). */
  deskew?: number;
  /** Share of the window the ink's bounding box takes once cut to it (ink_box.ts). */
  inkBox?: number;
}

/**
 * Unpack bit-packed 105x105 ink images (1 = ink, PNG row layout, `PACKED_ROW_BYTES` per
 * row) into an `ImageSet` at `size`, resampling on the fly so the 105x105 floats of the
 * whole data set never exist at once. With `deskew` each image is first sheared back by that
 * share of its slant (deskew.ts); with `inkBox` it is then cut to the window around its ink
 * whose longer side is that share of it (ink_box.ts).
 */
export function unpackImages(
  packed: Uint8Array,
  count: number,
  size: number,
  normalization: InkNormalization = {},
): ImageSet {
  if (packed.length !== count * PACKED_IMAGE_BYTES) {
    throw new RangeError(
      `unpackImages: expected ${count * PACKED_IMAGE_BYTES} bytes, got ${packed.length}`,
    );
  }
  const { deskew, inkBox } = normalization;
  const S = OMNIGLOT_SIZE;
  const full = new Float32Array(S * S);
  const sheared = deskew === undefined ? undefined : new Float32Array(S * S);
  const n = size * size;
  const pixels = new Float32Array(count * n);
  const window = inkBox === undefined ? undefined : new Float32Array(maxInkWindow(S, inkBox) ** 2);
  // As released at 105: the bits are unpacked straight into the result.
  const direct = size === S && !window && !sheared;
  for (let i = 0; i < count; i++) {
    const base = i * PACKED_IMAGE_BYTES;
    const out = pixels.subarray(i * n, (i + 1) * n);
    const target = direct ? out : full;
    for (let y = 0; y < S; y++) {
      const row = base + y * PACKED_ROW_BYTES;
      for (let x = 0; x < S; x++) {
        target[y * S + x] = (packed[row + (x >> 3)] >> (7 - (x & 7))) & 1;
      }
    }
    if (direct) continue;
    let image = full;
    if (sheared) {
      deskewInto(full, S, deskew!, sheared);
      image = sheared;
    }
    if (window) {
      const cut = inkWindow(image, S, inkBox!);
      cropWindow(image, S, cut, window);
      resampleInto(window, cut.side, out, size);
    } else if (size !== S) resampleInto(image, S, out, size);
    else out.set(image);
  }
  return { size, count, pixels };
}
