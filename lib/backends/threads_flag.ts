/**
 * `--threads N` of the entry points (`reproduce`, `bench`, `notebooks`): the value given, or
 * `defaultThreads()` (`SIAMESE_THREADS`, else every core up to 8) when the flag is absent.
 */
import { UsageError } from "../usage_error.ts";
import { defaultThreads, parseThreads } from "./threads.ts";

/**
 * The thread count for a parsed `--threads` value (`undefined` when the flag was not given).
 * @throws {UsageError} naming `--threads` or `SIAMESE_THREADS` when not a positive integer.
 */
export function threadsFlag(value: string | undefined): number {
  try {
    return value === undefined ? defaultThreads() : parseThreads(value, "--threads");
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}
