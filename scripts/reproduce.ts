/**
 * `deno task reproduce`: runs the paper's experiments on a profile and writes
 * `results/<profile>/` (CONTRACT.md). Exit 0 success, 1 an experiment failed, 2 bad usage
 * or bad input.
 */
import * as tf from "@tensorflow/tfjs-core";
import { EXPERIMENTS, parseOnly, PROFILES, resolveConfig, type RunConfig } from "../lib/config.ts";
import {
  DataError,
  exitOnDataError,
  parseCommandLine,
  parseFlags,
  UsageError,
} from "../lib/data/errors.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { DataSource } from "../lib/experiments/data_source.ts";
import { EXPERIMENT_MODULES } from "../lib/experiments/registry.ts";
import type { ExperimentResult } from "../lib/experiments/types.ts";
import { BACKEND_REQUESTS, type BackendRequest, selectBackend } from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { Rng } from "../lib/rng.ts";
import { type ExperimentRecord, writeRows, writeRunRecord } from "../lib/report/results.ts";
import { reportMarkdown } from "../lib/report/report_md.ts";
import { exportFigures } from "../lib/report/export.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import { formatSeconds } from "../lib/report/progress.ts";
import { gitCommit, versions } from "../lib/report/versions.ts";
import type { Figure } from "../lib/report/figure.ts";

const HELP = `deno task reproduce [flags]

Runs the experiments of Koch et al. (2015) and writes results/<profile>/.

  --profile quick|standard|paper   scale of the run (default standard)
                                   quick: every code path in minutes, no claims
                                   standard: real results on a 2-core CPU in under an hour
                                   paper: the paper's 105x105 net; needs a GPU backend
  --only a,b                       experiments to run: ${EXPERIMENTS.join(", ")} (default all)
  --backend ${BACKEND_REQUESTS.join("|")}
                                   tensorflow.js backend (default auto: the fastest that loads)
  --threads N                      CPU threads of the wasm backend (default: SIAMESE_THREADS,
                                   else every core); rows are reproducible per thread count
  --seed N                         run seed (default 1); fixes init, episodes, augmentation
  --out DIR                        write there instead of results/<profile>/
  --force                          run the paper profile on a CPU backend anyway
  --help                           this text

Environment: OMNIGLOT_DIR names a folder with images_background.zip, images_evaluation.zip
and all_runs.zip (default data/omniglot/, downloaded on first use).
Exit codes: 0 success, 1 an experiment failed, 2 bad usage or bad input.`;

/** Parsed command line. */
export interface ReproduceArgs {
  profile: string;
  only: string | undefined;
  backend: BackendRequest;
  threads: number;
  seed: number | undefined;
  out: string | undefined;
  force: boolean;
  help: boolean;
}

/** Parse and validate flags. @throws {UsageError} naming the bad flag or value. */
export function parseReproduceArgs(args: string[]): ReproduceArgs {
  const v = parseFlags(args, {
    profile: { type: "string", default: "standard" },
    only: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (!(PROFILES as readonly string[]).includes(v.profile!)) {
    throw new UsageError(
      `unknown profile "${v.profile}" for --profile; choose one of ${PROFILES.join(", ")}`,
    );
  }
  if (!(BACKEND_REQUESTS as readonly string[]).includes(v.backend!)) {
    throw new UsageError(
      `unknown backend "${v.backend}" for --backend; choose one of ${BACKEND_REQUESTS.join(", ")}`,
    );
  }
  let seed: number | undefined;
  if (v.seed !== undefined) {
    seed = Number(v.seed);
    if (!Number.isInteger(seed) || seed < 0) {
      throw new UsageError(`--seed must be a non-negative integer, got "${v.seed}"`);
    }
  }
  parseOnly(v.only); // validates names
  return {
    profile: v.profile!,
    only: v.only,
    backend: v.backend as BackendRequest,
    threads: threadsFlag(v.threads),
    seed,
    out: v.out,
    force: v.force!,
    help: v.help!,
  };
}

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseReproduceArgs, argv, HELP);
  if (typeof args === "number") return args;
  const config: RunConfig = resolveConfig(args.profile, { seed: args.seed });
  const only = parseOnly(args.only);
  const outDir = args.out ?? resultsDir(config.profile);
  const log = (line: string) => console.error(line);
  const startedAt = new Date();

  let backend;
  try {
    backend = await selectBackend(args.backend, log, { wasmThreads: args.threads });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 2;
  }
  if (
    config.profile === "paper" && (backend.name === "cpu" || backend.name === "wasm") && !args.force
  ) {
    console.error(
      `error: the paper profile trains the 105x105 net for hours even on a GPU; backend "${backend.name}" is a CPU ` +
        `backend. Use a GPU backend (see README: tensorflow-gpu or webgpu), or pass --force to run it anyway.`,
    );
    return 2;
  }
  log(
    `profile ${config.profile}, seed ${config.seed}, backend ${backend.name} ` +
      `(${backend.threads ?? "?"} thread${backend.threads === 1 ? "" : "s"}), experiments ${
        only.join(", ")
      }`,
  );
  log(`results -> ${outDir}`);

  const data = new DataSource({ evaluation: config.evaluation, seed: config.seed });
  // Fail early on missing or corrupt data, before any training.
  const dataCode = await exitOnDataError(async () => {
    await data.tasks();
    return 0;
  });
  if (dataCode !== 0) return dataCode;

  const records: Record<string, ExperimentRecord> = {};
  const results: Record<string, ExperimentResult> = {};
  let failed = false;
  const root = new Rng(config.seed);
  for (const [i, name] of only.entries()) {
    log(`\n[${i + 1}/${only.length}] ${name}`);
    const started = performance.now();
    const module = EXPERIMENT_MODULES[name];
    try {
      if (!module) throw new Error(`experiment "${name}" is not built yet`);
      results[name] = await module.run({
        config,
        rng: root.fork(name),
        data,
        backend: tf.getBackend(),
        outDir,
        log,
      });
      records[name] = {
        status: "ok",
        seconds: (performance.now() - started) / 1000,
        backend: tf.getBackend(),
        details: results[name].details,
      };
      log(`[${i + 1}/${only.length}] ${name} done in ${formatSeconds(records[name].seconds)}`);
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? err.message : String(err);
      records[name] = {
        status: "failed",
        seconds: (performance.now() - started) / 1000,
        backend: tf.getBackend(),
        error: message,
      };
      console.error(`error: experiment ${name} failed: ${message}`);
      if (
        !(err instanceof DataError) && err instanceof Error && err.stack &&
        Deno.env.get("SIAMESE_DEBUG")
      ) console.error(err.stack);
    }
  }

  const ran = Object.keys(results);
  const rows = await writeRows(outDir, ran, {
    oneShot: ran.flatMap((n) => results[n].oneShot),
    verification: ran.flatMap((n) => results[n].verification),
  });
  const figures: Figure[] = ran.flatMap((n) => results[n].figures);
  const figureFiles = await exportFigures(`${outDir}/figures`, figures, { log });
  const run = await writeRunRecord(outDir, {
    profile: config.profile,
    seed: config.seed,
    backend: backend.name,
    backendsSkipped: backend.skipped,
    threads: backend.threads,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    versions: versions(),
    gitCommit: await gitCommit(),
    command: ["deno", "task", "reproduce", ...argv],
    config,
    experiments: records,
  });
  const existingFigures: string[] = [];
  try {
    for await (const e of Deno.readDir(`${outDir}/figures`)) {
      if (e.isFile && !e.name.includes(".tmp-")) existingFigures.push(e.name);
    }
  } catch { /* no figures folder */ }
  await writeFileAtomic(
    `${outDir}/report.md`,
    reportMarkdown({
      ...rows,
      run,
      figures: [...new Set([...figureFiles, ...existingFigures])].sort(),
    }),
  );
  log(`\nwrote ${outDir}/one_shot.csv, verification.csv, run.json, report.md`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
