/** Shared test fixtures and guards. */
import { omniglotDir, REPO_ROOT } from "../lib/data/paths.ts";
import { taskArgs, taskPermissions } from "../lib/deno_tasks.ts";
import type { TowerSpec } from "../lib/models/koch.ts";
import { SMALLEST_NORMAL } from "../lib/training/subnormals.ts";

export { taskPermissions };

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

/**
 * `deno task <task> ...args` as deno.json defines it, with exactly the task's permissions,
 * from the repo root; `env` is added to this process's environment.
 */
export async function runTask(
  task: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs(task), ...args],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A Siamese tower small enough to build and run in milliseconds: 12x12 images, 6 features. */
export const TINY_TOWER: TowerSpec = {
  name: "tiny",
  inputSize: 12,
  convs: [{ filters: 4, kernel: 3, pool: true }],
  dense: 6,
  denseActivation: "sigmoid",
  batchNorm: true,
  init: "he",
};

/** How many entries of `arrays` are subnormal (non-zero and under 2^-126 in magnitude). */
export function countSubnormals(arrays: readonly ArrayLike<number>[]): number {
  let count = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const x = Math.abs(a[i]);
      if (x !== 0 && x < SMALLEST_NORMAL) count++;
    }
  }
  return count;
}

/**
 * Why no WebGPU adapter (hardware, or llvmpipe where allowed) can be had here, or `undefined`
 * when one can: the WebGPU tests are skipped with that reason.
 */
export async function webgpuAdapterMissing(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu == null) return "navigator.gpu is not available in this runtime";
  const adapter = await gpu.requestAdapter();
  return adapter == null ? "navigator.gpu.requestAdapter() returned no adapter" : undefined;
}
