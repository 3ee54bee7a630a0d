/**
 * Omniglot's three release zips: where they come from (`OMNIGLOT_DIR`, else `data/omniglot/`,
 * downloaded on first use when the network allows and checked against the release's digests)
 * and reading one.
 */
import { unzipSync } from "fflate";
import { DataError } from "./errors.ts";
import { digest, exists, writeFileAtomic } from "./files.ts";
import { omniglotDir } from "./paths.ts";

/** Original release files: where to download them and what they must hash to. */
export const RELEASE = {
  base: "https://github.com/brendenlake/omniglot/raw/master/python",
  files: {
    "images_background.zip": {
      path: "images_background.zip",
      md5: "68d2efa1b9178cc56df9314c21c6e718",
    },
    "images_evaluation.zip": {
      path: "images_evaluation.zip",
      md5: "6b91aef0f799c5bb55b94e3f2daec811",
    },
    "all_runs.zip": {
      path: "one-shot-classification/all_runs.zip",
      sha256: "437c1eeab0af8484112e1b4cc0f3d541ec727f7c47b9b202da738af9dfd6c325",
    },
  },
} as const;

type ReleaseFile = keyof typeof RELEASE.files;

/**
 * Make sure the three zips are present in the Omniglot folder, downloading the originals
 * into `data/omniglot/` (checksum-verified) when no `OMNIGLOT_DIR` was given.
 * @returns the folder.
 */
export async function ensureOmniglotFiles(dirOverride?: string): Promise<string> {
  const { dir, fromEnv } = dirOverride ? { dir: dirOverride, fromEnv: true } : omniglotDir();
  const info = await Deno.stat(dir).catch(() => undefined);
  if (info && !info.isDirectory) {
    throw new DataError(
      `${fromEnv ? "OMNIGLOT_DIR" : "the Omniglot folder"} ${dir} is a file, not a folder. ` +
        `Point OMNIGLOT_DIR at the folder holding images_background.zip, images_evaluation.zip ` +
        `and all_runs.zip${fromEnv ? "" : ", or remove the file so the zips can be downloaded"}.`,
    );
  }
  const names = Object.keys(RELEASE.files) as ReleaseFile[];
  const missing: ReleaseFile[] = [];
  for (const name of names) if (!(await exists(`${dir}/${name}`))) missing.push(name);
  if (missing.length === 0) return dir;
  if (fromEnv) {
    throw new DataError(
      `Omniglot folder ${dir} lacks ${
        missing.join(", ")
      }. Point OMNIGLOT_DIR at a folder holding ` +
        `images_background.zip, images_evaluation.zip and all_runs.zip, or unset it to download them into data/omniglot/.`,
    );
  }
  for (const name of missing) await download(name, dir);
  return dir;
}

async function download(name: ReleaseFile, dir: string): Promise<void> {
  const spec = RELEASE.files[name];
  const url = `${RELEASE.base}/${spec.path}`;
  if (Deno.permissions.querySync({ name: "net", host: new URL(url).host }).state !== "granted") {
    throw new DataError(
      `${dir}/${name} is missing and this task may not download it; run deno task data ` +
        `(it fetches the zips into data/omniglot/) or set OMNIGLOT_DIR to a folder holding them.`,
    );
  }
  console.error(`Downloading ${url} ...`);
  let bytes: Uint8Array;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new DataError(
      `Could not download ${url} (${
        (err as Error).message
      }). Download the Omniglot zips by hand into ` +
        `${dir}/ or set OMNIGLOT_DIR to a folder holding them.`,
    );
  }
  const [algo, want] = "md5" in spec
    ? ["md5", spec.md5] as const
    : ["sha256", spec.sha256] as const;
  const got = digest(bytes, algo);
  if (got !== want) {
    throw new DataError(
      `Downloaded ${name} has ${algo} ${got}, expected ${want}; not saved. Try again.`,
    );
  }
  await writeFileAtomic(`${dir}/${name}`, bytes);
}

/** The files of the zip at `path`. @throws {DataError} when it cannot be read or unzipped. */
export async function readZip(path: string): Promise<Record<string, Uint8Array>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new DataError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new DataError(
      `${path} is not a readable zip (${(err as Error).message}); replace it with the original.`,
    );
  }
}
