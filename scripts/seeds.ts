/**
 * `deno task seeds`: how far the Siamese net and the triplet batch-hard net move when only the
 * seed changes (issue 13). Each seed is a plain reproduce run (`--only siamese,triplet --miners
 * batch-hard --seed N`) into `<out>/seed-<N>/`, one run per folder; a seed whose folder already
 * holds that run complete is reused, so an interrupted run resumes. Then `<out>/seeds.md` and
 * `<out>/seeds.csv`: each seed's accuracy, mean, sample standard deviation, min and max per
 * model and protocol; and each model's seeds scored together as one ensemble, on the first
 * seed's trials (`<out>/seed_ensembles.csv`, a section of seeds.md). Exit 0 success, 1 a seed's
 * run failed, 2 bad usage or bad input (found before any training).
 */
import {
  exitOnDataError,
  oneOf,
  parseCommandLine,
  parseFlags,
  SEED_RANGE,
  seedValue,
} from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import type { MinerName } from "../lib/miners/by_name.ts";
import { resolveConfig } from "../lib/profiles.ts";
import { PROFILES } from "../lib/profile_names.ts";
import { BACKEND_REQUESTS, type BackendRequest, selectRunBackend } from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { checkOutDir } from "../lib/report/out_dir.ts";
import {
  readOneShot,
  readRunRecord,
  readVerification,
  type RunRecord,
} from "../lib/report/results.ts";
import { checkRunFolder, runIdentity } from "../lib/report/run_identity.ts";
import {
  type SeedRows,
  seedSpread,
  seedSpreadCsv,
  seedSpreadTable,
} from "../lib/report/seed_spread.ts";
import { seedEnsembleTable } from "../lib/report/seed_ensemble_table.ts";
import { ONE_SHOT_COLUMNS, toCsv } from "../lib/report/tables.ts";
import { scoreSeedEnsembles } from "../lib/experiments/seed_ensemble.ts";
import { formatSeconds } from "../lib/report/progress.ts";
import { parseSliceFlags } from "../lib/training/run_slice.ts";
import type { SliceFlags } from "../lib/config.ts";
import { main as reproduce } from "./reproduce.ts";

const HELP = `deno task seeds [flags]

Trains the Siamese net and the triplet batch-hard net once per seed (each a reproduce run of
siamese and triplet with the batch-hard miner only, in <out>/seed-<N>/) and writes the spread
of their accuracies to <out>/seeds.md and <out>/seeds.csv; then scores each model's seeds
together as one ensemble, and each seed alone, on the first seed's trials
(<out>/seed_ensembles.csv and a section of seeds.md).

  --profile quick|standard|paper   scale of each run (default standard)
  --seeds a,b,...                  seeds (0 or more), two or more, no repeats
                                   (default 1,2,3)
  --out DIR                        default results/seeds/<profile>/; a seed whose folder
                                   already holds its complete run is reused
  --threads N                      CPU threads of the wasm backend (default SIAMESE_THREADS,
                                   else every core up to 8)
  --backend ${BACKEND_REQUESTS.join("|")}
                                   as reproduce's (default auto)
  --max-steps N                    a bounded slice: at most N training steps per model
  --max-minutes M                  a bounded slice: at most M minutes of training per model
  --help                           this text

Exit codes: 0 success, 1 a seed's run failed (rerun to resume), 2 bad usage or bad input
(found before any training starts).`;

/** The miner `seeds` trains: the best triplet model of the standard profile (README). */
const MINERS: MinerName[] = ["batch-hard"];

/** Parsed command line. */
export interface SeedsArgs {
  profile: string;
  seeds: number[];
  out: string | undefined;
  /** `--threads` as given (validated), passed on to each run. */
  threads: string | undefined;
  backend: BackendRequest;
  slice: SliceFlags;
  help: boolean;
}

/** Parse and validate flags. @throws {UsageError} naming the bad flag or value. */
export function parseSeedsArgs(args: string[]): SeedsArgs {
  const v = parseFlags(args, {
    profile: { type: "string", default: "standard" },
    seeds: { type: "string", default: "1,2,3" },
    out: { type: "string" },
    threads: { type: "string" },
    backend: { type: "string", default: "auto" },
    "max-steps": { type: "string" },
    "max-minutes": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  oneOf("--profile", "profile", v.profile!, PROFILES);
  oneOf("--backend", "backend", v.backend!, BACKEND_REQUESTS);
  if (v.threads !== undefined) threadsFlag(v.threads);
  return {
    profile: v.profile!,
    seeds: parseSeeds(v.seeds!),
    out: v.out,
    threads: v.threads,
    backend: v.backend as BackendRequest,
    slice: parseSliceFlags(v),
    help: v.help!,
  };
}

/**
 * `--seeds 1,2,3` into seeds. @throws {UsageError} on a value that is not a seed
 * ({@link seedValue}), a repeat, or fewer than two seeds (a spread needs two).
 */
export function parseSeeds(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const seeds: number[] = [];
  for (const p of parts) {
    const n = seedValue(p);
    if (n === undefined) {
      throw new UsageError(
        `--seeds "${text}": "${p}" is not ${SEED_RANGE}; give two or more, e.g. --seeds 1,2,3`,
      );
    }
    if (seeds.includes(n)) {
      throw new UsageError(`--seeds "${text}" names seed ${n} twice; each seed runs once`);
    }
    seeds.push(n);
  }
  if (seeds.length < 2) {
    throw new UsageError(
      `--seeds "${text}" names one seed; a spread needs two or more, e.g. --seeds 1,2,3`,
    );
  }
  return seeds;
}

/** The folder of one seed's run. */
export function seedDir(out: string, seed: number): string {
  return `${out.replace(/\/+$/, "")}/seed-${seed}`;
}

/**
 * Whether `record` is a finished run of siamese and triplet with the slice asked for, so the
 * seed need not run again. Its identity (profile, seed, config) is checked by `checkRunFolder`;
 * the slice is not part of the identity, so it is compared here.
 */
export function seedRunComplete(record: RunRecord | undefined, slice: SliceFlags): boolean {
  if (record?.status !== "complete") return false;
  const ok = (name: string) => record.experiments?.[name]?.status === "ok";
  if (!ok("siamese") || !ok("triplet")) return false;
  const held = (record.config as { slice?: SliceFlags } | undefined)?.slice ?? {};
  return held.maxSteps === slice.maxSteps && held.maxMinutes === slice.maxMinutes;
}

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseSeedsArgs, argv, HELP);
  if (typeof args === "number") return args;
  const log = (line: string) => console.error(line);
  const started = performance.now();

  // Every folder is checked now, before any seed trains: a foreign folder found at seed 3 would
  // otherwise stop the run after hours of seeds 1 and 2.
  let out: string;
  const reuse = new Map<number, boolean>();
  try {
    out = await checkOutDir(args.out ?? `${resultsDir("seeds")}/${args.profile}`);
    for (const seed of args.seeds) {
      const dir = seedDir(out, seed);
      const identity = runIdentity(resolveConfig(args.profile, { seed, miners: MINERS }));
      const folder = await checkRunFolder(dir, identity, readRunRecord);
      reuse.set(seed, folder === "same" && seedRunComplete(await readRunRecord(dir), args.slice));
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }

  for (const [i, seed] of args.seeds.entries()) {
    const dir = seedDir(out, seed);
    const head = `[seed ${seed}, ${i + 1}/${args.seeds.length}]`;
    if (reuse.get(seed)) {
      log(`${head} ${dir} holds this seed's complete run: reused, not retrained`);
      continue;
    }
    log(`${head} reproduce -> ${dir}`);
    const code = await reproduce([
      "--profile",
      args.profile,
      "--only",
      "siamese,triplet",
      "--miners",
      MINERS.join(","),
      "--seed",
      String(seed),
      "--out",
      dir,
      "--backend",
      args.backend,
      ...(args.threads !== undefined ? ["--threads", args.threads] : []),
      ...(args.slice.maxSteps !== undefined ? ["--max-steps", String(args.slice.maxSteps)] : []),
      ...(args.slice.maxMinutes !== undefined
        ? ["--max-minutes", String(args.slice.maxMinutes)]
        : []),
    ]);
    if (code !== 0) {
      console.error(
        `error: seed ${seed}'s run exited ${code} (${dir}/report.md, run.json say why); ` +
          `rerun the same command to resume: complete seeds are reused`,
      );
      return code;
    }
  }

  return await exitOnDataError(async () => {
    const perSeed: SeedRows[] = [];
    for (const seed of args.seeds) {
      const dir = seedDir(out, seed);
      perSeed.push({
        seed,
        oneShot: await readOneShot(dir),
        verification: await readVerification(dir),
      });
    }
    const rows = seedSpread(perSeed);
    const table = seedSpreadTable(rows, args.seeds);
    const slice = args.slice.maxSteps !== undefined || args.slice.maxMinutes !== undefined;

    const trials = `seed ${args.seeds[0]}'s trials`;
    log(`scoring each model's ${args.seeds.length} seeds together on ${trials}`);
    const ensembles = await scoreSeedEnsembles(
      args.seeds.map((seed) => ({ seed, dir: seedDir(out, seed) })),
      MINERS,
      () => selectRunBackend(args.backend, () => {}, { wasmThreads: threadsFlag(args.threads) }),
    );
    await writeFileAtomic(`${out}/seeds.csv`, seedSpreadCsv(rows, args.seeds));
    // What the ensembles add: a section of seeds.md, a table on the console, a file.
    let ensembleSection: string, ensembleTable = "", ensembleFile = "";
    if (ensembles === undefined) {
      const none = "No ensembles over seeds: some seed's folder saved no model.";
      log(none);
      ensembleSection = `\n${none}\n`;
      // An earlier command's ensembles are not these seeds' runs.
      await Deno.remove(`${out}/seed_ensembles.csv`).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
    } else {
      ensembleTable = `\n${seedEnsembleTable(ensembles)}`;
      ensembleSection = `\n## The seeds' nets together\n\nEach seed's net and the seeds' nets as ` +
        `one ensemble (each net's similarities standardised per trial, then averaged; "+ views": ` +
        `each image's features averaged over it and its four one-pixel shifts), all on ${trials}, ` +
        `so members and ensemble read on the same ones. Accuracy in % [95% interval]; koch-val ` +
        `is validation. Rows also in \`seed_ensembles.csv\`.\n${ensembleTable}\n`;
      await writeFileAtomic(`${out}/seed_ensembles.csv`, toCsv(ONE_SHOT_COLUMNS, ensembles));
      ensembleFile = ", seed_ensembles.csv";
    }
    await writeFileAtomic(
      `${out}/seeds.md`,
      `# Spread over seeds: profile ${args.profile}\n\n` +
        `Seeds ${args.seeds.join(", ")}, one run each in \`seed-<N>/\` (\`deno task reproduce ` +
        `--only siamese,triplet --miners batch-hard --seed N\`${
          slice ? ", a bounded slice: not the profile's numbers" : ""
        }). Accuracy in %; sd is the sample standard deviation (n - 1).\n\n` +
        `Command: \`${["deno", "task", "seeds", ...argv].join(" ")}\`\n\n${table}\n` +
        ensembleSection,
    );
    console.log(table);
    if (ensembleTable) console.log(ensembleTable);
    log(
      `\nwrote ${out}/seeds.md, seeds.csv${ensembleFile} (${
        formatSeconds((performance.now() - started) / 1000)
      })`,
    );
    return 0;
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
