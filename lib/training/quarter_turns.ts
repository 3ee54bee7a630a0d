/**
 * Quarter turns as new characters (the class augmentation of Vinyals et al. 2016, "Matching
 * networks", used by most later Omniglot work): a background character turned by 90, 180 or
 * 270 degrees is treated as a character of its own, so training sees up to four times as many
 * classes. The turn is exact (a permutation of pixels), applied before the small affine
 * distortions of section 3.2.
 */

/** The most quarter turns a character can take: 0, 90, 180 and 270 degrees. */
export const MAX_QUARTER_TURNS = 4;

/** Whether `n` is a valid number of quarter turns for a character to take (1 = none). */
export function isQuarterTurnCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_QUARTER_TURNS;
}

/**
 * Write `src` (`size` x `size`, row-major) turned clockwise on screen by `turns` quarter turns
 * into `dst` (same size, not `src`). 0 copies.
 */
export function quarterTurn(
  src: Float32Array,
  dst: Float32Array,
  size: number,
  turns: number,
): void {
  const t = ((turns % 4) + 4) % 4;
  const last = size - 1;
  // Source pixel (x, y) lands at (x', y'): index start + x * dx + y * dy of the turned image.
  // 1: (last - y, x); 2: (last - x, last - y); 3: (y, last - x).
  const [start, dx, dy] = t === 0
    ? [0, 1, size]
    : t === 1
    ? [last, size, -1]
    : t === 2
    ? [last * size + last, -1, -size]
    : [last * size, -size, 1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) dst[start + x * dx + y * dy] = src[y * size + x];
  }
}

/**
 * The label of character `character` turned by `turns` quarter turns, among `characters`
 * characters: the character's own index when not turned, so labels without turns are unchanged.
 */
export function turnedLabel(character: number, turns: number, characters: number): number {
  return character + turns * characters;
}
