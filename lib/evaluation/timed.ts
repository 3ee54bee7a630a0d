/**
 * Wall time of one synchronous evaluation step, so that what an extra protocol costs is
 * logged and recorded beside its result.
 */

/** `fn()`'s value and the seconds it took. */
export function timed<T>(fn: () => T): { value: T; seconds: number } {
  const started = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}
