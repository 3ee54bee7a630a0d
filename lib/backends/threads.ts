/**
 * How many CPU threads the wasm backend uses: `--threads N` on the command line, else the
 * `SIAMESE_THREADS` environment variable (how `deno task notebooks` passes it to the notebook
 * kernels), else every logical core the runtime reports.
 *
 * Rows are deterministic for a given thread count; README ("Threads") says what changes
 * between counts.
 */
import os from "node:os";

/** The environment variable that sets the thread count where no flag can (the notebooks). */
export const THREADS_ENV = "SIAMESE_THREADS";

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
  return n;
}

/**
 * The thread count when no flag gave one: `SIAMESE_THREADS` when set, else all cores.
 * @throws {RangeError} when `SIAMESE_THREADS` is set to something else than a positive integer.
 */
export function defaultThreads(env: (name: string) => string | undefined = envGet): number {
  const value = env(THREADS_ENV);
  return value === undefined ? coreCount() : parseThreads(value, THREADS_ENV);
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env the default is every core, as when the variable is unset.
    return undefined;
  }
}
