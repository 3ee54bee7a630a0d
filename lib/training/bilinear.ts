/**
 * Bilinear reading of an image at a point between pixels, shared by the warps of the training
 * augmentations (the affine distortions, the elastic ones). Coordinates: x to the right, y down,
 * pixel centres at integers; points outside the image read as background (0).
 */

/** The value of the `size` x `size` row-major `image` at (xs, ys), bilinearly; 0 outside. */
export function readBilinear(image: Float32Array, size: number, xs: number, ys: number): number {
  const x0 = Math.floor(xs), y0 = Math.floor(ys);
  if (x0 < -1 || y0 < -1 || x0 >= size || y0 >= size) return 0;
  const fx = xs - x0, fy = ys - y0;
  return (1 - fy) *
      ((1 - fx) * pixel(image, size, x0, y0) + fx * pixel(image, size, x0 + 1, y0)) +
    fy * ((1 - fx) * pixel(image, size, x0, y0 + 1) + fx * pixel(image, size, x0 + 1, y0 + 1));
}

/** Pixel (x, y) of the image, 0 outside it. */
function pixel(image: Float32Array, size: number, x: number, y: number): number {
  return x >= 0 && x < size && y >= 0 && y < size ? image[y * size + x] : 0;
}
