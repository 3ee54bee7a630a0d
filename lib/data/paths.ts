/**
 * Where data and results live. Paths are resolved from the repository root (not the
 * working directory) so notebooks, which run inside `notebooks/`, find the same files.
 */
import { isAbsolute, resolve } from "node:path";
import { fromFileUrl } from "./url.ts";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fromFileUrl(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** `data/cache/`: decoded images, rebuilt when stale or corrupt. */
export function cacheDir(): string {
  return Deno.env.get("SIAMESE_CACHE_DIR") ?? `${REPO_ROOT}/data/cache`;
}

/**
 * The Omniglot folder: `OMNIGLOT_DIR` when set, else `data/omniglot/`. A relative
 * `OMNIGLOT_DIR` is taken from where the command was typed (`INIT_CWD`, which `deno task`
 * sets; else the working directory), so `OMNIGLOT_DIR=../omniglot deno task ...` means the
 * same folder in every task and in the notebook kernels, which run inside `notebooks/`.
 */
export function omniglotDir(): { dir: string; fromEnv: boolean } {
  const env = Deno.env.get("OMNIGLOT_DIR");
  if (env) return { dir: absoluteFromInvocation(env), fromEnv: true };
  return { dir: `${REPO_ROOT}/data/omniglot`, fromEnv: false };
}

/** `path` as an absolute path, a relative one taken from `INIT_CWD` or the working directory. */
export function absoluteFromInvocation(path: string): string {
  return isAbsolute(path) ? path : resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), path);
}

/** `results/<profile>/` unless overridden. */
export function resultsDir(profile: string): string {
  return `${REPO_ROOT}/results/${profile}`;
}
