/** Versions and the git commit recorded in `run.json`. */
import * as tf from "@tensorflow/tfjs-core";
import { REPO_ROOT } from "../data/paths.ts";
import { childEnv } from "../child_env.ts";

/** Deno, V8, TypeScript and TensorFlow.js versions. */
export function versions(): Record<string, string> {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    "tfjs-core": tf.version_core,
    os: `${Deno.build.os}-${Deno.build.arch}`,
  };
}

/** The repository's HEAD commit (with `-dirty` when the tree has changes), or null. */
export async function gitCommit(): Promise<string | null> {
  try {
    const run = async (args: string[]) => {
      const out = await new Deno.Command("git", {
        args,
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "null",
        ...childEnv(),
      }).output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    };
    const head = await run(["rev-parse", "--short=12", "HEAD"]);
    if (!head) return null;
    const status = await run(["status", "--porcelain", "--untracked-files=no"]);
    return status ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
