/**
 * Bad or missing input data. The entry points map it to exit code 2 (CONTRACT.md:
 * "missing or corrupt data ... with a message that says what to do").
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

/** A command-line usage error (unknown flag or value): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
