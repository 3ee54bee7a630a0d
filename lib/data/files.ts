/**
 * Small file helpers shared by the data layer and the report writer. Writes are atomic:
 * a temp file in the same folder, then a rename, so a killed run never leaves half a file.
 */
import { createHash } from "node:crypto";

/** Write `data` to `path` through a temp file and a rename. Creates parent folders. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** True when `path` exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Hex digest of `data` (`sha256` or `md5`). */
export function digest(data: Uint8Array, algorithm: "sha256" | "md5" = "sha256"): string {
  return createHash(algorithm).update(data).digest("hex");
}

/** Matches the temp files of {@link writeFileAtomic}: `<name>.tmp-<pid>-<random>`. */
const TEMP = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * A temp file untouched this long belongs to no write in progress: writes take well under
 * a second. (Whether its process still runs cannot be asked: /proc needs --allow-all.)
 */
const STALE_MS = 60_000;

/**
 * Remove the temp files that killed processes left in `dir` (and its subfolders up to
 * `depth`): a kill -9 between write and rename leaves them behind. Temp files of this
 * process, or written to in the last minute, are kept.
 * @returns the paths removed.
 */
export async function removeStaleTemps(dir: string, depth = 5): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (d: string, level: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const path = `${d}/${e.name}`;
      const m = TEMP.exec(e.name);
      if (e.isFile && m && Number(m[1]) !== Deno.pid) {
        const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime();
        if (mtime !== undefined && Date.now() - mtime > STALE_MS) {
          await Deno.remove(path).then(() => removed.push(path), () => {});
        }
      } else if (e.isDirectory && level < depth) await visit(path, level + 1);
    }
  };
  await visit(dir, 0);
  return removed;
}
