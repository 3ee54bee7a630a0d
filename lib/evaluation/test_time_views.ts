/**
 * Test-time augmentation: an image's feature vector is the mean of the tower's outputs on a few
 * fixed views of it, the image itself and its one-pixel shifts. A drawing's position in its frame
 * says nothing about which character it is, and the training distortions (section 3.2) already
 * teach the towers so; averaging over shifts takes out what little position the features still
 * carry. Fixed before any number was read (not chosen on a protocol); its rows stand beside the
 * single-view rows, which stay the models' numbers.
 */
import type { ImageSet } from "../data/images.ts";
import type { Embedder } from "./embedding_eval.ts";

/** A view: a shift of the drawing by (dx, dy) pixels; ink shifted out of the frame is lost. */
export type View = readonly [dx: number, dy: number];

/** The image and its four one-pixel shifts. */
export const SHIFT_VIEWS: readonly View[] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];

/** `images` shifted by (dx, dy): pixel (x, y) moves to (x + dx, y + dy); blank where nothing moved in. */
export function shiftImages(images: ImageSet, [dx, dy]: View): ImageSet {
  if (dx === 0 && dy === 0) return images;
  const { size, count } = images;
  const n = size * size;
  const pixels = new Float32Array(images.pixels.length);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < size; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= size) continue;
      for (let x = 0; x < size; x++) {
        const sx = x - dx;
        if (sx < 0 || sx >= size) continue;
        pixels[i * n + y * size + x] = images.pixels[i * n + sy * size + sx];
      }
    }
  }
  return { size, count, pixels };
}

/** An embedder whose output for each image is `embed`'s mean over `views` of it. */
export function viewAveragedEmbedder(
  embed: Embedder,
  views: readonly View[] = SHIFT_VIEWS,
): Embedder {
  if (views.length === 0) throw new RangeError("viewAveragedEmbedder: no views");
  return (images) => {
    let mean: Float32Array | undefined;
    for (const view of views) {
      const rows = embed(shiftImages(images, view));
      if (!mean) mean = Float32Array.from(rows);
      else for (let j = 0; j < rows.length; j++) mean[j] += rows[j];
    }
    for (let j = 0; j < mean!.length; j++) mean![j] /= views.length;
    return mean!;
  };
}
