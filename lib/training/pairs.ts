/**
 * Labelled pairs for the Siamese net's binary cross-entropy (Koch et al. section 3.1:
 * y = 1 when the two images show the same character).
 *
 * Inside a P x K batch every unordered pair of images is an example: P K (K - 1) / 2
 * positives and the rest negatives (for P = 16, K = 4: 96 and 1,920). Left alone the
 * negatives would drown the positives, so the weights give each class half of the loss.
 */
import { imageAt, type ImageSet } from "../data/images.ts";
import type { Rng } from "../rng.ts";
import { distortImages, type DistortionRanges } from "./augment.ts";

/** Pairs of images of one batch, `[pairs]` each. */
export interface PairSet {
  /** Index of the first image. */
  left: Int32Array;
  /** Index of the second image. */
  right: Int32Array;
  /** 1 when both show the same character. */
  same: Uint8Array;
  /** 1 when both come from the same alphabet (the hard negatives of the one-shot task). */
  sameAlphabet: Uint8Array;
  /** Loss weight of each pair; the weights sum to 1. */
  weight: Float32Array;
}

/** Options of {@link allPairs}. */
export interface AllPairsOptions {
  /** Alphabet of each image, to mark same-alphabet pairs (and weight them, see below). */
  alphabets?: ArrayLike<number>;
  /**
   * Extra weight of a same-alphabet negative relative to another negative (1 = none). The
   * negatives still share half of the loss in total.
   */
  sameAlphabetWeight?: number;
}

/** Every unordered pair (i < j) of the images labelled `labels`, weighted so positives and negatives count equally. */
export function allPairs(labels: ArrayLike<number>, options: AllPairsOptions = {}): PairSet {
  const n = labels.length;
  const count = (n * (n - 1)) / 2;
  const left = new Int32Array(count), right = new Int32Array(count);
  const same = new Uint8Array(count), sameAlphabet = new Uint8Array(count);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      left[p] = i;
      right[p] = j;
      same[p] = labels[i] === labels[j] ? 1 : 0;
      sameAlphabet[p] = options.alphabets
        ? (options.alphabets[i] === options.alphabets[j] ? 1 : 0)
        : 0;
      p++;
    }
  }
  return {
    left,
    right,
    same,
    sameAlphabet,
    weight: balancedWeights(same, sameAlphabet, options.sameAlphabetWeight ?? 1),
  };
}

/**
 * Weights giving positives and negatives half of the loss each; within the negatives a
 * same-alphabet pair weighs `sameAlphabetWeight` times another. A class that is absent
 * leaves the whole weight to the other.
 */
export function balancedWeights(
  same: Uint8Array,
  sameAlphabet: Uint8Array,
  sameAlphabetWeight = 1,
): Float32Array {
  if (!(sameAlphabetWeight >= 0)) {
    throw new RangeError(
      `balancedWeights: sameAlphabetWeight must be >= 0, got ${sameAlphabetWeight}`,
    );
  }
  let pos = 0, neg = 0;
  const raw = new Float64Array(same.length);
  for (let p = 0; p < same.length; p++) {
    if (same[p]) {
      raw[p] = 1;
      pos += 1;
    } else {
      raw[p] = sameAlphabet[p] ? sameAlphabetWeight : 1;
      neg += raw[p];
    }
  }
  const posShare = pos > 0 && neg > 0 ? 0.5 : pos > 0 ? 1 : 0;
  const negShare = 1 - posShare;
  const weight = new Float32Array(same.length);
  for (let p = 0; p < same.length; p++) {
    weight[p] = same[p] ? (raw[p] * posShare) / pos : neg > 0 ? (raw[p] * negShare) / neg : 0;
  }
  return weight;
}

/**
 * The `[pairs, images]` matrix with +1 at (p, left[p]) and -1 at (p, right[p]): times the
 * `[images, dim]` features it gives every pair's difference h_left - h_right in one matrix
 * product (no gather, whose gradient some backends lack).
 */
export function differenceMatrix(
  pairs: Pick<PairSet, "left" | "right">,
  images: number,
): Float32Array {
  const m = new Float32Array(pairs.left.length * images);
  for (let p = 0; p < pairs.left.length; p++) {
    if (pairs.left[p] === pairs.right[p]) {
      throw new RangeError(`differenceMatrix: pair ${p} pairs image ${pairs.left[p]} with itself`);
    }
    m[p * images + pairs.left[p]] = 1;
    m[p * images + pairs.right[p]] = -1;
  }
  return m;
}

/** A minibatch drawn from a fixed pool of labelled pairs (Koch et al.'s Table 1 setting). */
export interface PoolBatch {
  /** Side length of the images. */
  size: number;
  /** 2 B: the left images, then the right images. */
  count: number;
  /** `[2 B, size, size]`. */
  images: Float32Array;
  /** Pair p joins image p and image B + p. */
  pairs: PairSet;
}

/** Options of {@link samplePoolBatch}. */
export interface PoolBatchOptions {
  /** B: pairs per minibatch, drawn uniformly with replacement from the pool. */
  pairs: number;
  /** Distort each image with these ranges; none when omitted or false. */
  augment?: DistortionRanges | false;
}

/** Draw B pairs of `pool` (image indices into `images`) with their images, weighted so same and different count equally. */
export function samplePoolBatch(
  images: ImageSet,
  pool: { left: ArrayLike<number>; right: ArrayLike<number>; same: ArrayLike<number> },
  rng: Rng,
  options: PoolBatchOptions,
): PoolBatch {
  const B = options.pairs;
  if (!(Number.isInteger(B) && B >= 1)) {
    throw new RangeError(`samplePoolBatch: pairs must be a positive integer, got ${B}`);
  }
  if (pool.left.length === 0) throw new RangeError("samplePoolBatch: empty pool");
  const n = images.size * images.size;
  const pixels = new Float32Array(2 * B * n);
  const left = new Int32Array(B), right = new Int32Array(B), same = new Uint8Array(B);
  for (let p = 0; p < B; p++) {
    const k = rng.int(pool.left.length);
    pixels.set(imageAt(images, pool.left[k]), p * n);
    pixels.set(imageAt(images, pool.right[k]), (B + p) * n);
    left[p] = p;
    right[p] = B + p;
    same[p] = pool.same[k] ? 1 : 0;
  }
  if (options.augment) distortImages(pixels, images.size, rng, options.augment);
  const sameAlphabet = new Uint8Array(B);
  return {
    size: images.size,
    count: 2 * B,
    images: pixels,
    pairs: { left, right, same, sameAlphabet, weight: balancedWeights(same, sameAlphabet) },
  };
}
