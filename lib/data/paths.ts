/**
 * Where data and results live. Paths are resolved from the repository root (not the
 * working directory) so notebooks, which run inside `notebooks/`, find the same files.
 */
import { fromFileUrl } from "./url.ts";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fromFileUrl(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** `data/cache/`: decoded images, rebuilt when stale or corrupt. */
export function cacheDir(): string {
  return Deno.env.get("SIAMESE_CACHE_DIR") ?? `${REPO_ROOT}/data/cache`;
}

/** The Omniglot folder: `OMNIGLOT_DIR` when set, else `data/omniglot/`. */
export function omniglotDir(): { dir: string; fromEnv: boolean } {
  const env = Deno.env.get("OMNIGLOT_DIR");
  if (env) return { dir: env, fromEnv: true };
  return { dir: `${REPO_ROOT}/data/omniglot`, fromEnv: false };
}

/** `results/<profile>/` unless overridden. */
export function resultsDir(profile: string): string {
  return `${REPO_ROOT}/results/${profile}`;
}
