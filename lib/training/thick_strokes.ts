/**
 * Thick strokes: a training image drawn as if with a broader, softer pen. Omniglot downsampled to
 * 35x35 has thin strokes (about 146 inked pixels an image, 100 units of ink), while MNIST digits
 * upsampled from 28 to 35, as the paper reads them, are broad and soft (268 inked pixels, 160 units
 * of ink). A 3x3 box blur of the character, times a gain in [1.5, 2] and clipped at full ink, gives
 * Omniglot that look (267 inked pixels, 148-180 units). Not in the paper. `thickStrokes` (either
 * block of lib/config.ts) is the probability that an image is thickened; the standard profile's
 * values were chosen on validation: koch-val for Omniglot, mnist-val (episodes from MNIST's
 * training set) for the transfer.
 */
import type { Rng } from "../rng.ts";
import { isImageProbability, transformEachImage } from "./each_image.ts";

/** Range of the gain on the blurred image. */
export const THICK_STROKE_GAIN: readonly [number, number] = [1.5, 2];

/**
 * Write `src` (`size` x `size`, row-major) thickened into `dst` (same size, not `src`): each pixel
 * the mean of its 3x3 neighbourhood (outside the image reads 0), times `gain`, at most 1.
 */
export function thickenStroke(
  src: Float32Array,
  dst: Float32Array,
  size: number,
  gain: number,
): void {
  if (src === dst) throw new RangeError("thickenStroke: dst must not alias src");
  for (let y = 0; y < size; y++) {
    const y0 = Math.max(0, y - 1), y1 = Math.min(size - 1, y + 1);
    for (let x = 0; x < size; x++) {
      const x0 = Math.max(0, x - 1), x1 = Math.min(size - 1, x + 1);
      let sum = 0;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) sum += src[yy * size + xx];
      }
      dst[y * size + x] = Math.min(1, (gain * sum) / 9);
    }
  }
}

/**
 * Thicken each image of a `[count, size, size]` stack in place with probability `probability`,
 * each with its own gain. Every image consumes exactly two draws of `rng` (the coin and the gain)
 * whether it is thickened or not.
 */
export function thickenStrokes(
  pixels: Float32Array,
  size: number,
  rng: Rng,
  probability: number,
): Float32Array {
  if (!isImageProbability(probability)) {
    throw new RangeError(`thickenStrokes: probability must be in [0, 1], got ${probability}`);
  }
  return transformEachImage(pixels, size, "thickenStrokes", (image, out) => {
    const thicken = rng.next() < probability;
    const gain = rng.uniform(THICK_STROKE_GAIN[0], THICK_STROKE_GAIN[1]);
    if (!thicken) return false;
    thickenStroke(image, out, size, gain);
    return true;
  });
}
