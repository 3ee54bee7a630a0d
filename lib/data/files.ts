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
