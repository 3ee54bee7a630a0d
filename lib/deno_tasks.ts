/**
 * The tasks of deno.json, read at run time, so that a script that starts another entry point
 * (gpu-check starting bench and reproduce, tests starting any task) grants it exactly what its
 * task grants, not a hand-copied list that drifts from deno.json.
 */
import { REPO_ROOT } from "./data/paths.ts";

/**
 * The arguments of `deno task <task>` after `deno` (`run`, the flags, the script), as deno.json
 * defines it.
 * @throws {Error} when deno.json has no such task or it does not start with `deno`.
 */
export function taskArgs(task: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`));
  const line = config.tasks?.[task];
  if (typeof line !== "string") throw new Error(`deno.json has no task "${task}"`);
  const [deno, ...args] = line.trim().split(/\s+/);
  if (deno !== "deno") throw new Error(`deno.json's task "${task}" does not run deno: ${line}`);
  return args;
}

/** The permission flags (`--allow-...`) of a task in deno.json. */
export function taskPermissions(task: string): string[] {
  return taskArgs(task).filter((a) => a.startsWith("--allow-"));
}
