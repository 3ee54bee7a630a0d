/**
 * Bad or missing input data. The entry points map it to exit code 2 (docs/interface.md:
 * "missing or corrupt data ... with a message that says what to do"; see `lib/cli.ts`).
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}
