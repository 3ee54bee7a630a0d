/**
 * Per-image transforms of a `[count, size, size]` stack in place (the training augmentations:
 * the affine distortions, thick strokes, erasing): each image is handed to the transform with a
 * scratch image to write its new pixels into.
 */

/** Whether `p` is a usable probability of transforming an image (0 = never, 1 = always). */
export function isImageProbability(p: number): boolean {
  return Number.isFinite(p) && p >= 0 && p <= 1;
}

/**
 * Call `transform(image, out, index)` for each image of `pixels`, in order; when it returns true,
 * `out` (which it has filled) replaces the image, when false the image stays as it was. `who` names the caller in
 * the error. @throws {RangeError} when `pixels` is not a whole number of `size` x `size` images.
 */
export function transformEachImage(
  pixels: Float32Array,
  size: number,
  who: string,
  transform: (image: Float32Array, out: Float32Array, index: number) => boolean,
): Float32Array {
  const n = size * size;
  if (pixels.length % n !== 0) {
    throw new RangeError(
      `${who}: ${pixels.length} values is not a whole number of ${size}x${size} images`,
    );
  }
  const scratch = new Float32Array(n);
  for (let i = 0; i < pixels.length / n; i++) {
    const image = pixels.subarray(i * n, (i + 1) * n);
    if (transform(image, scratch, i)) image.set(scratch);
  }
  return pixels;
}
