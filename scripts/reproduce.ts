/**
 * `deno task reproduce`: runs the paper's experiments on a profile and writes
 * `results/<profile>/` (docs/interface.md). Exit 0 success, 1 an experiment failed, 2 bad usage
 * or bad input.
 */
import { EXPERIMENTS, parseOnly } from "../lib/experiment_names.ts";
import type { RunConfig, SliceFlags } from "../lib/config.ts";
import { MINER_NAMES, type MinerName, parseMiners } from "../lib/miners/by_name.ts";
import { resolveConfig } from "../lib/profiles.ts";
import { PROFILES } from "../lib/profile_names.ts";
import {
  checkOrExit,
  exitOnDataError,
  oneOf,
  parseCommandLine,
  parseFlags,
  seedFlag,
} from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { DataError } from "../lib/data/errors.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { DataSource } from "../lib/experiments/data_source.ts";
import { experimentContext } from "../lib/experiments/experiment_context.ts";
import { EXPERIMENT_MODULES } from "../lib/experiments/registry.ts";
import type { ExperimentResult } from "../lib/experiments/types.ts";
import {
  BACKEND_REQUESTS,
  type BackendRequest,
  computeNote,
  selectRunBackend,
} from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import {
  type ExperimentRecord,
  readRunRecord,
  type RunRecord,
  writeRows,
  writeRunRecord,
} from "../lib/report/results.ts";
import { checkOutDir } from "../lib/report/out_dir.ts";
import { checkRunFolder, runIdentity } from "../lib/report/run_identity.ts";
import {
  isSliceStopLine,
  timeLimitCount,
  timeLimitLines,
  timeLimitStops,
  timeLimitWarning,
} from "../lib/report/time_limits.ts";
import { reportMarkdown } from "../lib/report/report_md.ts";
import { nWayCurveFigure } from "../lib/report/figures.ts";
import { exportFigures, PLOTLY_FILE } from "../lib/report/export.ts";
import { removeStaleTemps, writeFileAtomic } from "../lib/data/files.ts";
import { formatSeconds } from "../lib/report/progress.ts";
import { gitCommit, versions } from "../lib/report/versions.ts";
import type { Figure } from "../lib/report/figure.ts";
import {
  applySlice,
  checkChunking,
  describeSlice,
  parseSliceFlags,
} from "../lib/training/run_slice.ts";

const HELP = `deno task reproduce [flags]

Runs the experiments of Koch et al. (2015) and writes results/<profile>/.

  --profile quick|standard|paper   scale of the run (default standard)
                                   quick: every code path in minutes, no claims
                                   standard: real results on a 2-core CPU in under an hour
                                   paper: the paper's 105x105 net; needs a GPU backend
  --only a,b                       experiments to run: ${EXPERIMENTS.join(", ")} (default all)
                                   and table1, run only when named (Table 1's fixed-pair
                                   models, each until validation stalls: up to about 100
                                   minutes on the standard profile)
  --miners a,b                     triplet models to train: ${MINER_NAMES.join(", ")}
                                   (default the profile's: batch-hard, semi-hard)
  --backend ${BACKEND_REQUESTS.join("|")}
                                   tensorflow.js backend (default auto: the fastest that loads)
  --threads N                      CPU threads of the wasm backend (default: SIAMESE_THREADS,
                                   else every core up to 8); rows are reproducible per thread count
  --seed N                         run seed (default 1); fixes init, episodes, augmentation
  --out DIR                        write there instead of results/<profile>/; a folder holds
                                   one run (profile, seed, config): another run's folder is
                                   refused, an --only rerun of the same run merges into it
  --force                          run the paper profile on a CPU backend anyway
  --max-steps N                    a bounded slice: at most N training steps per model
  --max-minutes M                  a bounded slice: at most M minutes of training per model
                                   (a 105x105 slice on a CPU backend reports lake-runs and
                                   koch-400 only; report.md names what it skipped)
  --chunk N                        images per chunk of a memory-bounded training step (same
                                   gradient; the paper profile uses 16); refused for towers
                                   with convolutional batch norm (standard's Siamese, quick's)
  --help                           this text

Environment: OMNIGLOT_DIR names a folder with images_background.zip, images_evaluation.zip
and all_runs.zip (default data/omniglot/, downloaded on first use).
Exit codes: 0 success, 1 an experiment failed, 2 bad usage or bad input (found before
any training starts).`;

/** Parsed command line. */
export interface ReproduceArgs {
  profile: string;
  only: string | undefined;
  /** `--miners`, validated; undefined for the profile's. */
  miners: MinerName[] | undefined;
  backend: BackendRequest;
  threads: number;
  seed: number | undefined;
  out: string | undefined;
  force: boolean;
  /** `--max-steps`, `--max-minutes`, `--chunk` (run_slice.ts). */
  slice: SliceFlags;
  help: boolean;
}

/** Parse and validate flags. @throws {UsageError} naming the bad flag or value. */
export function parseReproduceArgs(args: string[]): ReproduceArgs {
  const v = parseFlags(args, {
    profile: { type: "string", default: "standard" },
    only: { type: "string" },
    miners: { type: "string" },
    backend: { type: "string", default: "auto" },
    threads: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean", default: false },
    "max-steps": { type: "string" },
    "max-minutes": { type: "string" },
    chunk: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  oneOf("--profile", "profile", v.profile!, PROFILES);
  oneOf("--backend", "backend", v.backend!, BACKEND_REQUESTS);
  const seed = v.seed === undefined ? undefined : seedFlag("--seed", v.seed);
  const only = parseOnly(v.only); // validates names
  const slice = parseSliceFlags(v);
  checkChunking(resolveConfig(v.profile!), only, slice);
  return {
    profile: v.profile!,
    only: v.only,
    miners: parseMiners(v.miners),
    backend: v.backend as BackendRequest,
    threads: threadsFlag(v.threads),
    seed,
    out: v.out,
    force: v.force!,
    slice,
    help: v.help!,
  };
}

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseReproduceArgs, argv, HELP);
  if (typeof args === "number") return args;
  const config: RunConfig = resolveConfig(args.profile, { seed: args.seed, miners: args.miners });
  const only = parseOnly(args.only);
  const identity = runIdentity(config);
  const log = (line: string) => console.error(line);
  const startedAt = new Date();

  // Everything that can be wrong with the folders is found now, before any training.
  let outDir: string;
  let folder: "new" | "same";
  try {
    outDir = await checkOutDir(args.out ?? resultsDir(config.profile));
    folder = await checkRunFolder(outDir, identity, readRunRecord);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }

  // Any backend that fails to start is the user's to fix (another --backend).
  const selected = await checkOrExit(
    () => selectRunBackend(args.backend, log, { wasmThreads: args.threads }),
    () => true,
  );
  if ("exit" in selected) return selected.exit;
  const backend = selected.value;
  if (
    config.profile === "paper" && (backend.name === "cpu" || backend.name === "wasm") && !args.force
  ) {
    console.error(
      `error: the paper profile trains the 105x105 net for hours even on a GPU; backend "${backend.name}" is a CPU ` +
        `backend. Use a GPU backend (see README: tensorflow-gpu or webgpu), or pass --force to run it anyway.`,
    );
    return 2;
  }
  applySlice(config, args.slice, backend.name);
  if (config.slice) log(describeSlice(config.slice));
  log(
    `profile ${config.profile}, seed ${config.seed}, config ${identity.configHash}, backend ${backend.name} ` +
      `(${computeNote(backend)}), experiments ${only.join(", ")}`,
  );
  log(`results -> ${outDir}${folder === "same" ? " (a folder of this run: merging)" : ""}`);

  const data = new DataSource({ evaluation: config.evaluation, seed: config.seed });
  // Fail early on missing or corrupt data, before any training.
  const dataCode = await exitOnDataError(async () => {
    await data.tasks();
    return 0;
  });
  if (dataCode !== 0) return dataCode;

  // The folder is claimed for this run before anything trains in it: a kill from here on
  // leaves run.json saying "running", and rerunning the same command resumes.
  await removeStaleTemps(outDir);
  const previous = folder === "same" ? await readRunRecord(outDir) : undefined;
  const commit = await gitCommit();
  const record = (status: RunRecord["status"], experiments: RunRecord["experiments"]) => ({
    profile: config.profile,
    seed: config.seed,
    configHash: identity.configHash,
    status,
    backend: backend.name,
    backendsSkipped: backend.skipped,
    threads: backend.threads,
    ...(backend.host ? { host: backend.host } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    versions: versions(),
    gitCommit: commit,
    command: ["deno", "task", "reproduce", ...argv],
    config,
    experiments,
  });
  await writeRunRecord(outDir, record("running", previous?.experiments ?? {}));

  const records: Record<string, ExperimentRecord> = {};
  const results: Record<string, ExperimentResult> = {};
  let failed = false;
  for (const [i, name] of only.entries()) {
    log(`\n[${i + 1}/${only.length}] ${name}`);
    const started = performance.now();
    const module = EXPERIMENT_MODULES[name];
    try {
      results[name] = await module.run(
        experimentContext(config, name, { data, backend: backend.name, outDir, log }),
      );
      const stops = timeLimitStops(name, results[name].details, config);
      records[name] = {
        status: "ok",
        seconds: (performance.now() - started) / 1000,
        backend: backend.name,
        gitCommit: commit,
        finishedAt: new Date().toISOString(),
        ...(stops.length ? { timeLimit: timeLimitLines(stops) } : {}),
        details: results[name].details,
      };
      if (stops.length) log(timeLimitWarning(stops, config));
      log(`[${i + 1}/${only.length}] ${name} done in ${formatSeconds(records[name].seconds)}`);
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? err.message : String(err);
      records[name] = {
        status: "failed",
        seconds: (performance.now() - started) / 1000,
        backend: backend.name,
        gitCommit: commit,
        finishedAt: new Date().toISOString(),
        error: message,
      };
      console.error(`error: experiment ${name} failed: ${message}`);
      if (
        !(err instanceof DataError) && err instanceof Error && err.stack &&
        Deno.env.get("SIAMESE_DEBUG")
      ) console.error(err.stack);
    }
  }

  // Replace the result files so that, at any kill, they agree or run.json says they may not:
  // run.json "writing" with the final records, report.md a notice, the rows, the figures,
  // the report, then run.json "complete".
  const experiments = { ...previous?.experiments, ...records };
  await writeRunRecord(outDir, record("writing", experiments));
  await writeFileAtomic(
    `${outDir}/report.md`,
    `# Results being written\n\nThe run started ${startedAt.toISOString()} (profile ` +
      `\`${config.profile}\`, seed ${config.seed}) is writing its result files. If this stays, ` +
      `it was stopped; rerun \`${["deno", "task", "reproduce", ...argv].join(" ")}\` ` +
      `(trained models are reused).\n`,
  );
  const ran = Object.keys(results);
  const rows = await writeRows(outDir, only, {
    oneShot: ran.flatMap((n) => results[n].oneShot),
    verification: ran.flatMap((n) => results[n].verification),
  });
  const figures: Figure[] = ran.flatMap((n) => results[n].figures);
  // Every method's n-way curve in one figure (this run's rows and those kept from earlier
  // runs), with the paper's points: the README's front-page picture.
  if (rows.oneShot.some((r) => r.protocol === "n-way")) {
    figures.push(nWayCurveFigure(rows.oneShot, "n_way_curve"));
  }
  const figureFiles = await exportFigures(`${outDir}/figures`, figures, { log });
  const existingFigures: string[] = [];
  try {
    for await (const e of Deno.readDir(`${outDir}/figures`)) {
      // plotly.min.js is the pages' script, not a figure to list in the report.
      if (e.isFile && !e.name.includes(".tmp-") && e.name !== PLOTLY_FILE) {
        existingFigures.push(e.name);
      }
    }
  } catch { /* no figures folder */ }
  const run = record("complete", experiments);
  await writeFileAtomic(
    `${outDir}/report.md`,
    reportMarkdown({
      ...rows,
      run,
      figures: [
        ...new Set([...figureFiles.filter((f) => f !== PLOTLY_FILE), ...existingFigures]),
      ].sort(),
    }),
  );
  await writeRunRecord(outDir, run);
  const limited = Object.values(experiments).flatMap((e) => e.timeLimit ?? []);
  if (limited.length) {
    log(
      `\n${limited.every(isSliceStopLine) ? "NOTE" : "WARNING"}: ${timeLimitCount(limited)}; ` +
        `report.md and run.json say which (these numbers are not the ` +
        `${config.profile} profile's).`,
    );
  }
  log(`\nwrote ${outDir}/one_shot.csv, verification.csv, run.json, report.md`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
