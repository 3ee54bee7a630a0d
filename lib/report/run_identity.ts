/**
 * Which run a results folder belongs to: profile, seed and a hash of the whole resolved
 * config. A folder holds one run. An `--only` rerun of the same run (same identity) merges
 * into it, so saved models are reused and the rows of the experiments not rerun stay
 * valid; a run with another identity is refused before anything starts, rather than
 * replacing the folder (trained models can be hours of work) or mixing its rows under the
 * other run's header.
 */
import type { RunConfig } from "../config.ts";
import { UsageError } from "../usage_error.ts";
import { digest } from "../data/files.ts";
import type { RunRecord } from "./results.ts";

/** Profile, seed and config hash of a run. */
export interface RunIdentity {
  profile: string;
  seed: number;
  /** First 12 hex digits of the sha256 of the resolved config (keys sorted). */
  configHash: string;
}

/** The identity of a run of `config`. */
export function runIdentity(config: RunConfig): RunIdentity {
  return {
    profile: config.profile,
    seed: config.seed,
    configHash: digest(new TextEncoder().encode(stableJson(config))).slice(0, 12),
  };
}

/** JSON with object keys sorted, so equal configs hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

/** The identity recorded in a `run.json` (older files: derived from its config). */
export function recordedIdentity(record: RunRecord): RunIdentity | undefined {
  if (typeof record.configHash === "string") {
    return { profile: record.profile, seed: record.seed, configHash: record.configHash };
  }
  if (record.config && typeof record.config === "object") {
    return runIdentity(record.config as RunConfig);
  }
  return undefined;
}

/**
 * Whether `dir` may take the results of the run `identity`: `"new"` (absent or empty),
 * `"same"` (a folder of the same run).
 * @throws {UsageError} naming the folder, the run it holds and what to do.
 */
export async function checkRunFolder(
  dir: string,
  identity: RunIdentity,
  readRecord: (dir: string) => Promise<RunRecord | undefined>,
): Promise<"new" | "same"> {
  const entries: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (!e.name.includes(".tmp-")) entries.push(e.name);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "new";
    throw err;
  }
  if (entries.length === 0) return "new";
  const what = `pass --out with a new folder, or move ${dir} away first`;
  const record = await readRecord(dir);
  if (!record) {
    throw new UsageError(
      `--out ${dir} holds files but no readable run.json, so it is not a results folder ` +
        `of this project; ${what}.`,
    );
  }
  const held = recordedIdentity(record);
  const describe = (i: RunIdentity) =>
    `profile ${i.profile}, seed ${i.seed}, config ${i.configHash}`;
  if (
    !held || held.profile !== identity.profile || held.seed !== identity.seed ||
    held.configHash !== identity.configHash
  ) {
    throw new UsageError(
      `--out ${dir} holds another run (${held ? describe(held) : "unknown"}), this one is ` +
        `${describe(identity)}; its rows would mix with this run's. A folder holds one run ` +
        `(reruns with --only into the same run's folder are fine): ${what}.`,
    );
  }
  return "same";
}
