/**
 * Mirror images as new characters (not in the paper): a background character reflected left
 * to right is, like a quarter turn of it (quarter_turns.ts), a shape no alphabet's writers
 * would confuse with the original, so it can stand as a character of its own. With the four
 * quarter turns that gives the eight symmetries of the square, eight classes per character.
 * The reflection is exact (a permutation of pixels), applied before any turn and before the
 * small affine distortions of section 3.2.
 */

/** Write `src` (`size` x `size`, row-major) reflected left to right into `dst` (not `src`). */
export function mirrorImage(src: Float32Array, dst: Float32Array, size: number): void {
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    const row = y * size;
    for (let x = 0; x < size; x++) dst[row + last - x] = src[row + x];
  }
}

/** Versions of each character a batch draws from: 1 without mirror images, 2 with them. */
export function mirrorCount(mirrors: boolean | undefined): number {
  return mirrors ? 2 : 1;
}
