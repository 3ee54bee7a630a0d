/**
 * The environment of a child process. Deno refuses to start a child whose environment holds a
 * dynamic-loader variable (`LD_*`, `DYLD_*`: LD_LIBRARY_PATH, LD_PRELOAD) unless `--allow-run`
 * is granted for every program, and CUDA machines set LD_LIBRARY_PATH. The tasks here grant
 * `--allow-run` for named programs only (git, chromium, jupyter, python3), so their children
 * get the environment without those variables; under a full `--allow-run` (gpu-check, whose
 * deno children reach the GPU driver through LD_LIBRARY_PATH) nothing is removed.
 *
 * @example
 * ```ts
 * new Deno.Command("git", { args: ["--version"], ...childEnv() });
 * ```
 */

/** True for a variable Deno will not pass to a child without a full `--allow-run`. */
export function isLoaderVariable(name: string): boolean {
  return name.startsWith("LD_") || name.startsWith("DYLD_");
}

/** `Deno.Command` options: none, or the environment without loader variables. */
export function childEnv(): { clearEnv?: true; env?: Record<string, string> } {
  let vars: Record<string, string>;
  try {
    vars = Deno.env.toObject();
  } catch {
    return {}; // no --allow-env: the child inherits what Deno allows
  }
  if (!Object.keys(vars).some(isLoaderVariable)) return {};
  if (Deno.permissions.querySync({ name: "run" }).state === "granted") return {};
  return {
    clearEnv: true,
    env: Object.fromEntries(Object.entries(vars).filter(([k]) => !isLoaderVariable(k))),
  };
}
