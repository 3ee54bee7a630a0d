/**
 * The results folder of docs/interface.md: `one_shot.csv`, `verification.csv`, `run.json`,
 * `report.md`. A folder holds one run (`run_identity.ts`): an `--only` rerun of the same run
 * replaces the rows of the experiments it attempted and keeps the others. Every file is
 * written atomically; `run.json`'s `status` says whether the set is complete.
 */
import { UsageError } from "../usage_error.ts";
import type { RunConfig } from "../config.ts";
import { writeFileAtomic } from "../data/files.ts";
import {
  ONE_SHOT_COLUMNS,
  type OneShotRow,
  parseCsv,
  toCsv,
  VERIFICATION_COLUMNS,
  type VerificationRow,
} from "./tables.ts";

/** What `run.json` holds about one experiment. */
export interface ExperimentRecord {
  status: "ok" | "failed";
  /** Wall time in seconds. */
  seconds: number;
  backend: string;
  error?: string;
  details?: Record<string, unknown>;
  /** Commit of the code that ran it (an `--only` rerun may be of a later commit). */
  gitCommit?: string | null;
  /** When it ended. */
  finishedAt?: string;
  /** One line per model a time safety net stopped before its step bound (`time_limits.ts`). */
  timeLimit?: string[];
}

/** The content of `run.json`. */
export interface RunRecord {
  profile: string;
  seed: number;
  /** Hash of the resolved config: with profile and seed, which run the folder holds. */
  configHash?: string;
  /**
   * `running` while experiments train (the other files are still the previous attempt's),
   * `writing` while the result files are replaced, `complete` once they all agree.
   */
  status?: "running" | "writing" | "complete";
  backend: string;
  /** Why each backend tried before it was skipped. */
  backendsSkipped: { name: string; reason: string }[];
  /** CPU threads the backend computed on (`--threads`); absent in runs before it existed. */
  threads?: number | null;
  /**
   * Where validation and evaluation ran when the backend cannot read synchronously (webgpu
   * trains only, host_reads.ts): the host backend and its CPU threads; absent elsewhere.
   */
  host?: { backend: string; threads: number };
  startedAt: string;
  finishedAt: string;
  versions: Record<string, string>;
  gitCommit: string | null;
  command: string[];
  config: unknown;
  experiments: Record<string, ExperimentRecord>;
}

/** Read `one_shot.csv` rows from `dir` (empty when absent). */
export async function readOneShot(dir: string): Promise<OneShotRow[]> {
  const records = await readCsv(`${dir}/one_shot.csv`);
  return records.map((r) => ({
    experiment: r.experiment,
    method: r.method,
    dataset: r.dataset,
    protocol: r.protocol,
    ways: Number(r.ways),
    shots: Number(r.shots),
    trials: Number(r.trials),
    correct: Number(r.correct),
    accuracy: Number(r.accuracy),
    ci_low: Number(r.ci_low),
    ci_high: Number(r.ci_high),
    paper_accuracy: r.paper_accuracy === "" ? undefined : Number(r.paper_accuracy),
  }));
}

/** Read `verification.csv` rows from `dir` (empty when absent). */
export async function readVerification(dir: string): Promise<VerificationRow[]> {
  const records = await readCsv(`${dir}/verification.csv`);
  const num = (s: string) => (s === "" ? undefined : Number(s));
  return records.map((r) => ({
    experiment: r.experiment,
    method: r.method,
    train_pairs: Number(r.train_pairs),
    distortions: r.distortions === "true",
    test_pairs: Number(r.test_pairs),
    accuracy: Number(r.accuracy),
    threshold: Number(r.threshold),
    auc: num(r.auc),
    eer: num(r.eer),
    paper_accuracy: num(r.paper_accuracy),
  }));
}

/** Read `run.json` from `dir`, if present and readable. */
export async function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
  } catch {
    return undefined;
  }
}

/**
 * The run a results folder named by `--results` holds, for the tasks that score its saved
 * models (protocol-gap, support-tuning).
 * @throws {UsageError} naming the folder when it has no readable `run.json` with a config.
 */
export async function readResultsFolder(
  dir: string,
): Promise<{ record: RunRecord; config: RunConfig }> {
  const record = await readRunRecord(dir);
  const config = record?.config as RunConfig | undefined;
  if (!record || typeof config?.evaluation?.imageSize !== "number") {
    throw new UsageError(
      `--results ${dir} has no readable run.json with a config; pass a folder written by ` +
        `deno task reproduce --out DIR`,
    );
  }
  return { record, config };
}

async function readCsv(path: string): Promise<Record<string, string>[]> {
  try {
    return parseCsv(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/**
 * Merge this run's rows into the folder's files: rows of the experiments in `ran` (those
 * attempted, whether they succeeded or failed) are replaced by `rows`, others kept.
 * Returns the merged rows.
 */
export async function writeRows(
  dir: string,
  ran: readonly string[],
  rows: { oneShot: OneShotRow[]; verification: VerificationRow[] },
): Promise<{ oneShot: OneShotRow[]; verification: VerificationRow[] }> {
  const keep = <T extends { experiment: string }>(old: T[]) =>
    old.filter((r) => !ran.includes(r.experiment));
  const oneShot = [...keep(await readOneShot(dir)), ...rows.oneShot];
  const verification = [...keep(await readVerification(dir)), ...rows.verification];
  await writeFileAtomic(`${dir}/one_shot.csv`, toCsv(ONE_SHOT_COLUMNS, oneShot));
  await writeFileAtomic(`${dir}/verification.csv`, toCsv(VERIFICATION_COLUMNS, verification));
  return { oneShot, verification };
}

/** Write `run.json` atomically, as given. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<RunRecord> {
  await writeFileAtomic(`${dir}/run.json`, JSON.stringify(record, null, 2) + "\n");
  return record;
}
