/**
 * The command line of the entry points (`scripts/`): strict flag parsing, `--help`, and the mapping
 * of bad usage ({@link UsageError}, usage_error.ts) and bad data (DataError) to exit code 2. Lives
 * in `lib/` so that the entry points share it; `lib/` never imports from `scripts/`.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { DataError } from "./data/errors.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Run an entry point's body, turning a {@link DataError} or {@link UsageError} into its
 * message on stderr and exit code 2; other errors propagate.
 */
export async function exitOnDataError(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof DataError || err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/**
 * Parse a command line for an entry point: the parsed flags, or the exit code to return
 * at once (2 after printing a usage error, 0 after printing `help` for `--help`).
 */
export function parseCommandLine<T extends { help: boolean }>(
  parse: (argv: string[]) => T,
  argv: string[],
  help: string,
): T | number {
  let args: T;
  try {
    args = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    console.log(help);
    return 0;
  }
  return args;
}

/**
 * Strict flag parsing for the entry points (no positionals, no unknown flags): the parsed
 * values. @throws {UsageError} naming the bad flag.
 */
export function parseFlags<O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    const config = { args: argv, options, strict: true, allowPositionals: false } as const;
    return parseArgs(config).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. See --help.`);
  }
}

/**
 * `value` when it is one of `allowed`; otherwise a UsageError naming the flag and the choices
 * (`unknown profile "x" for --profile; choose one of quick, standard, paper`).
 */
export function oneOf<T extends string>(
  flag: string,
  what: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(
      `unknown ${what} "${value}" for ${flag}; choose one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}

/**
 * The value of a check an entry point makes before any work (a folder, a backend), or exit code 2
 * after printing its error. `refused` says which errors are the user's to fix (default: a
 * {@link UsageError}); any other propagates.
 */
export async function checkOrExit<T>(
  check: () => Promise<T>,
  refused: (err: unknown) => boolean = (err) => err instanceof UsageError,
): Promise<{ value: T } | { exit: 2 }> {
  try {
    return { value: await check() };
  } catch (err) {
    if (!refused(err)) throw err;
    console.error(`error: ${(err as Error).message}`);
    return { exit: 2 };
  }
}

/** What `--seed` and `--seeds` accept, for their messages. */
export const SEED_RANGE = `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;

/**
 * A run seed from its text, as `reproduce --seed`, `tune --seed` and `seeds --seeds` take it:
 * digits only (Number("") is 0 and Number("1e3") is 1000; above 2^53 integers round), so 0 to
 * 2^53 - 1. Returns undefined for anything else; the caller names its flag in the error.
 */
export function seedValue(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) ? n : undefined;
}

/** The seed a `--seed` flag gives. @throws {UsageError} naming `flag` and the text otherwise. */
export function seedFlag(flag: string, text: string): number {
  const seed = seedValue(text);
  if (seed === undefined) throw new UsageError(`${flag} must be ${SEED_RANGE}, got "${text}"`);
  return seed;
}
