/**
 * 95% intervals for accuracies. Wilson's score interval: unlike the normal
 * approximation it stays inside [0, 1] and is sensible at 0 or n correct.
 */

/** Two-sided 95% z value. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for `correct` successes out of `n`, as fractions. */
export function wilson(correct: number, n: number, z = Z95): { low: number; high: number } {
  if (!(n > 0)) throw new RangeError(`wilson: n must be positive, got ${n}`);
  if (!(correct >= 0 && correct <= n)) {
    throw new RangeError(`wilson: correct must lie in [0, ${n}], got ${correct}`);
  }
  const p = correct / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
