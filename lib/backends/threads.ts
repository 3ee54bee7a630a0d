/**
 * How many CPU threads the wasm backend uses: `--threads N` on the command line, else the
 * `SIAMESE_THREADS` environment variable (how `deno task notebooks` passes it to the notebook
 * kernels), else every logical core the runtime reports, at most {@link MAX_WASM_THREADS}.
 *
 * Rows are deterministic for a given thread count; README ("Threads") says what changes
 * between counts.
 */
import os from "node:os";

/** The environment variable that sets the thread count where no flag can (the notebooks). */
export const THREADS_ENV = "SIAMESE_THREADS";

/**
 * The most XNNPACK threads tfjs's threaded wasm build runs: its emscripten glue preallocates a
 * pool of 8 pthread workers (`pthreadPoolSize=8` in tfjs-backend-wasm-threaded-simd.js, 4.22),
 * and asking for more gives 8 (9, 12 and 16 asked here, 2026-12-04; on a 16-core host the
 * bench's note said 16 threads while the backend reported 8).
 */
export const MAX_WASM_THREADS = 8;

/** Logical cores of this machine (at least 1). */
export function coreCount(): number {
  const n = globalThis.navigator?.hardwareConcurrency ?? os.cpus().length;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Parses a thread count written by a user; `source` names where it came from (a flag or the
 * environment variable) for the message. @throws {RangeError} unless a positive integer.
 */
export function parseThreads(value: string, source: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `${source} must be a positive integer (threads of the wasm backend), got "${value}"`,
    );
  }
  if (n > MAX_WASM_THREADS) {
    throw new RangeError(
      `${source} must be at most ${MAX_WASM_THREADS} (tfjs's threaded wasm build runs a pool ` +
        `of ${MAX_WASM_THREADS} threads), got ${n}`,
    );
  }
  return n;
}

/**
 * The thread count when no flag gave one: `SIAMESE_THREADS` when set, else all cores (at
 * most {@link MAX_WASM_THREADS}).
 * @throws {RangeError} when `SIAMESE_THREADS` is set to something else than a positive integer.
 */
export function defaultThreads(env: (name: string) => string | undefined = envGet): number {
  const value = env(THREADS_ENV);
  return value === undefined
    ? Math.min(coreCount(), MAX_WASM_THREADS)
    : parseThreads(value, THREADS_ENV);
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env the default is every core, as when the variable is unset.
    return undefined;
  }
}
