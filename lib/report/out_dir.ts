/**
 * The `--out` folder is checked before anything trains: a results folder that cannot be
 * written used to be found only after every experiment had run, losing the run.
 */
import { UsageError } from "../usage_error.ts";

/**
 * Check that `dir` (created later if absent) can take the results: not a file, writable,
 * and, after following symlinks, inside the folders this process may write. Writes nothing
 * that stays.
 * @returns the absolute path.
 * @throws {UsageError} naming the folder and what to do.
 */
export async function checkOutDir(dir: string, flag = "--out"): Promise<string> {
  const abs = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;
  const fix = `choose a folder under results/ or /tmp with ${flag}`;
  // The nearest part of the path that exists; the rest is created at the end of the run.
  let existing = abs.replace(/\/+$/, "") || "/";
  let rest = "";
  for (;;) {
    const info = await Deno.stat(existing).catch((err) => {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw new UsageError(`${flag} ${dir}: cannot inspect ${existing} (${err.message}); ${fix}.`);
    });
    if (info) {
      if (!info.isDirectory) {
        throw new UsageError(
          `${flag} ${dir}: ${existing} is a file, not a folder; ${fix} (it is created if absent).`,
        );
      }
      break;
    }
    const cut = existing.lastIndexOf("/");
    rest = existing.slice(cut) + rest;
    existing = existing.slice(0, cut) || "/";
  }
  const real = (await Deno.realPath(existing)) + rest;
  const targets = [real, `${real}/models`, `${real}/figures`];
  for (const target of targets) {
    const info = await Deno.stat(target).catch(() => undefined);
    if (info && !info.isDirectory) {
      throw new UsageError(`${flag} ${dir}: ${target} is a file where a folder goes; ${fix}.`);
    }
    // A symlink inside the folder may point elsewhere too.
    const resolved = await Deno.realPath(target).catch(() => target);
    const state = (await Deno.permissions.query({ name: "write", path: resolved })).state;
    if (state !== "granted") {
      throw new UsageError(
        `${flag} ${dir}${resolved !== abs ? ` leads to ${resolved}, which is` : " is"} outside ` +
          `the folders this task may write (data/, results/, /tmp); ${fix}.`,
      );
    }
  }
  // On a clean clone `results/` does not exist yet and its parent, the repository, is not ours
  // to write: probe in the shallowest missing folder this task may write, created for the
  // purpose (an empty results folder is all it leaves).
  let probeDir = existing;
  if ((await Deno.permissions.query({ name: "write", path: existing })).state !== "granted") {
    const parts = rest.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const candidate = `${existing.replace(/\/$/, "")}/${parts.slice(0, i).join("/")}`;
      const state = (await Deno.permissions.query({ name: "write", path: candidate })).state;
      if (state === "granted") {
        probeDir = candidate;
        await Deno.mkdir(probeDir, { recursive: true }).catch(() => {});
        break;
      }
    }
  }
  try {
    const probe = await Deno.makeTempFile({ dir: probeDir, prefix: ".write-check-" });
    await Deno.remove(probe);
  } catch (err) {
    throw new UsageError(
      `${flag} ${dir}: cannot write in ${probeDir} (${(err as Error).message}); ${fix}.`,
    );
  }
  return abs;
}
