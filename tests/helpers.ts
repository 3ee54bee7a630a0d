/** Shared test fixtures and guards. */
import { omniglotDir } from "../lib/data/paths.ts";

/** The Omniglot folder tests read (OMNIGLOT_DIR in CI), or undefined when absent. */
export function omniglotFolder(): string | undefined {
  const { dir } = omniglotDir();
  try {
    Deno.statSync(`${dir}/images_background.zip`);
    return dir;
  } catch {
    return undefined;
  }
}

/** Ignore reason for tests needing Omniglot when it is missing. */
export const NO_OMNIGLOT = omniglotFolder() === undefined;

/** A fresh temporary folder under /tmp. */
export function tempDir(prefix = "siamese-test-"): string {
  return Deno.makeTempDirSync({ prefix });
}
