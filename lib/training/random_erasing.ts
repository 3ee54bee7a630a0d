/**
 * Random erasing (Zhong, Zheng, Kang, Li and Yang 2020, "Random Erasing Data Augmentation"; one of
 * the tricks of the batch-hard re-identification baselines): with some probability a training
 * image loses a random rectangle of itself to the background, so that a character is recognised
 * from the strokes left when some are missing, as another drawer may leave one short or out. Not
 * in the paper. The rectangle covers a share of the image drawn from `ERASED_AREA`, with an aspect
 * ratio (height over width) log-uniform in `ERASED_ASPECT`, at a uniformly random place where it
 * fits; it is filled with the background (0). Applied after the other augmentations.
 */
import type { Rng } from "../rng.ts";
import { isImageProbability, transformEachImage } from "./each_image.ts";

/** Range of the erased rectangle's area, as a share of the image's. */
export const ERASED_AREA: readonly [number, number] = [0.02, 0.2];

/** Range of the erased rectangle's aspect ratio (height / width), drawn log-uniform. */
export const ERASED_ASPECT: readonly [number, number] = [0.3, 1 / 0.3];

/** A rectangle of an image: its top-left pixel and its size, in pixels. */
export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The rectangle of a `size` x `size` image that uniform draws `area`, `aspect`, `u`, `v` (each in
 * [0, 1)) pick: area and aspect from their ranges, then the top-left corner placed uniformly
 * among those where the whole rectangle fits. Never empty, never larger than the image.
 */
export function erasedRectangle(
  size: number,
  draws: readonly [area: number, aspect: number, u: number, v: number],
): Rectangle {
  const [a, r, u, v] = draws;
  const area = size * size * (ERASED_AREA[0] + a * (ERASED_AREA[1] - ERASED_AREA[0]));
  const [lo, hi] = ERASED_ASPECT.map(Math.log);
  const aspect = Math.exp(lo + r * (hi - lo));
  const clamp = (n: number) => Math.min(size, Math.max(1, Math.round(n)));
  const height = clamp(Math.sqrt(area * aspect));
  const width = clamp(Math.sqrt(area / aspect));
  return {
    x: Math.floor(u * (size - width + 1)),
    y: Math.floor(v * (size - height + 1)),
    width,
    height,
  };
}

/**
 * Erase a random rectangle of each image of a `[count, size, size]` stack in place, with
 * probability `probability`. Every image consumes exactly five draws of `rng` (the coin and the
 * rectangle's four) whether it is erased or not.
 */
export function eraseRandomRectangles(
  pixels: Float32Array,
  size: number,
  rng: Rng,
  probability: number,
): Float32Array {
  if (!isImageProbability(probability)) {
    throw new RangeError(
      `eraseRandomRectangles: probability must be in [0, 1], got ${probability}`,
    );
  }
  return transformEachImage(pixels, size, "eraseRandomRectangles", (image, out) => {
    const erase = rng.next() < probability;
    const box = erasedRectangle(size, [rng.next(), rng.next(), rng.next(), rng.next()]);
    if (!erase) return false;
    out.set(image);
    for (let y = box.y; y < box.y + box.height; y++) {
      out.fill(0, y * size + box.x, y * size + box.x + box.width);
    }
    return true;
  });
}
