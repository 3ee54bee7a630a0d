/**
 * Size and position normalisation of a character: the square window around its ink's bounding
 * box, centred on the box, whose side makes the box's longer side `fill` of the window, cut from
 * the 105x105 image (zeros outside it) before the image is resampled to the side the models see.
 * Drawers place and size the same character differently (the bounding box's longer side runs
 * from 44 to 88 pixels over the middle 90% of images, its centre by +-9 pixels); this takes both
 * away, as MNIST's own preprocessing (each digit scaled into a 20x20 box of 28x28) did for its
 * digits, and gives a small character more of the pixels. Not in the paper: `evaluation.inkBox`,
 * 0.8 in the standard profile (chosen on validation, lib/profiles.ts).
 */

/** The largest magnification: a window is never narrower than the image's side over this. */
export const MAX_INK_BOX_ZOOM = 2;

/** Whether `fill` is a share of the window the box may take: above 0 up to 1. */
export function isInkBoxFill(fill: number): boolean {
  return Number.isFinite(fill) && fill > 0 && fill <= 1;
}

/** A square window of an image: its top-left corner (may lie outside the image) and side. */
export interface InkWindow {
  x: number;
  y: number;
  side: number;
}

/**
 * The window of `image` (`[size, size]`, ink > 0) that {@link cropWindow} cuts: centred on the ink's
 * bounding box, of side `round(longer side / fill)`, at least `size / MAX_INK_BOX_ZOOM`. An image
 * without ink keeps its whole canvas.
 */
export function inkWindow(image: ArrayLike<number>, size: number, fill: number): InkWindow {
  if (!isInkBoxFill(fill)) throw new RangeError(`inkWindow: fill must be in (0, 1], got ${fill}`);
  let x0 = size, x1 = -1, y0 = size, y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0, at = y * size; x < size; x++, at++) {
      if (image[at] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return { x: 0, y: 0, side: size };
  const side = windowSide(Math.max(x1 - x0 + 1, y1 - y0 + 1), size, fill);
  // Centre of the box in pixel edges: [x0, x1 + 1).
  const x = Math.round((x0 + x1 + 1 - side) / 2);
  const y = Math.round((y0 + y1 + 1 - side) / 2);
  return { x, y, side };
}

/** The side of the window whose `fill` a box of side `longer` takes, in an image of side `size`. */
function windowSide(longer: number, size: number, fill: number): number {
  return Math.max(Math.round(longer / fill), Math.ceil(size / MAX_INK_BOX_ZOOM));
}

/** The widest window {@link inkWindow} gives for images of side `size` at `fill`: ink from edge to edge. */
export function maxInkWindow(size: number, fill: number): number {
  return windowSide(size, size, fill);
}

/** Copy `window` of `image` (`[size, size]`) into `out` (`[side, side]`), zeros outside the image. */
export function cropWindow(
  image: ArrayLike<number>,
  size: number,
  window: InkWindow,
  out: Float32Array,
): void {
  const { x, y, side } = window;
  if (out.length < side * side) {
    throw new RangeError(`cropWindow: out holds ${out.length} values, the window ${side * side}`);
  }
  out.fill(0, 0, side * side);
  for (let r = Math.max(0, -y); r < side && y + r < size; r++) {
    const from = (y + r) * size, to = r * side;
    for (let c = Math.max(0, -x); c < side && x + c < size; c++) out[to + c] = image[from + x + c];
  }
}
