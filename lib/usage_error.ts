/**
 * The error of bad usage: an unknown flag, profile, experiment, miner or setting, or a value out of
 * its range. The entry points turn it into its message and exit code 2 (cli.ts); library code
 * throws it too (`--only`, `--miners`, `--set`, `--threads`, the results folder's checks), which is
 * why it lives in a file of its own that imports nothing.
 */

/** A command-line usage error (unknown flag or value): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
