/**
 * Four points in 2-D whose distances are easy to check by hand:
 *
 *   x0 = (0, 0), x1 = (0, 1)   class 0
 *   x2 = (2, 0), x3 = (0, 3)   class 1
 *
 * squared L2: d01 = 1, d02 = 4, d03 = 9, d12 = 5, d13 = 4, d23 = 13.
 */
export const POINTS = [[0, 0], [0, 1], [2, 0], [0, 3]];
export const LABELS = [0, 0, 1, 1];
export const SQUARED = [
  [0, 1, 4, 9],
  [1, 0, 5, 4],
  [4, 5, 0, 13],
  [9, 4, 13, 0],
];
/** Row-major `[4 * 4]`, as miners read it. */
export const SQUARED_FLAT = Float32Array.from(SQUARED.flat());
