/**
 * `deno task tune`: one validation study (lib/tuning/validation_study.ts). Trains one model of a
 * profile with the settings `--set` changes and scores it on koch-val (the validation alphabets)
 * only, then appends the row to `<out>/tune.csv` and rewrites `<out>/tune.md`. This is where the
 * project's choices are made; the test protocols are read by `reproduce`, once per configuration.
 * Exit 0 success, 2 bad usage or bad input (found before any training).
 */
import {
  checkOrExit,
  exitOnDataError,
  oneOf,
  parseCommandLine,
  parseFlags,
  seedFlag,
} from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { MINER_NAMES } from "../lib/miners/by_name.ts";
import { resolveConfig } from "../lib/profiles.ts";
import { PROFILES } from "../lib/profile_names.ts";
import type { RunConfig } from "../lib/config.ts";
import { type StudyModel, studyProblem, unreadOverride } from "../lib/tuning/model_reads.ts";
import {
  BACKEND_REQUESTS,
  type BackendRequest,
  computeNote,
  selectRunBackend,
} from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { checkOutDir } from "../lib/report/out_dir.ts";
import { formatSeconds } from "../lib/report/progress.ts";
import { gitCommit } from "../lib/report/versions.ts";
import {
  applyOverrides,
  describeOverrides,
  type Override,
  parseOverride,
} from "../lib/tuning/overrides.ts";
import { recordStudy, studyRow } from "../lib/tuning/study_log.ts";
import { validationStudy } from "../lib/tuning/validation_study.ts";

/** The models `--model` accepts. */
export const STUDY_MODELS: readonly StudyModel[] = ["siamese", "same-tower", ...MINER_NAMES];

const HELP = `deno task tune --model M [--set block.setting=value ...] [flags]

Trains one model of a profile with some settings changed and scores it on koch-val only
(2,000 20-way within-alphabet trials on the 10 validation alphabets; no test protocol is
built). Appends a row to <out>/tune.csv and rewrites <out>/tune.md. Compare choices here;
read the test protocols with reproduce, once per configuration.

  --model ${STUDY_MODELS.join("|")}
                                   the Siamese net, the Siamese loss on the triplet tower,
                                   or a triplet miner
  --set block.setting=value        change one setting of the siamese or triplet block
                                   (repeatable), e.g. --set siamese.batchPerAlphabet=4,
                                   --set siamese.steps=1500, --set triplet.margin=0.3,
                                   --set siamese.tower=triplet-35, --set siamese.tower.dense=256;
                                   --set evaluation.imageSize=52 resizes the images and towers;
                                   --set evaluation.inkBox=0.9 and evaluation.deskew=1 cut
                                   Omniglot to its ink boxes and shear it back by its slant
  --profile quick|standard|paper   the settings changed from (default standard)
  --seed N                         run seed (default 1): init, batches, the koch-val trials
  --out DIR                        default results/tune/
  --threads N                      CPU threads of the wasm backend (default SIAMESE_THREADS,
                                   else every core up to 8)
  --backend ${BACKEND_REQUESTS.join("|")}
                                   as reproduce's (default auto)
  --help                           this text

A study with no --set trains the model a reproduce run of the profile trains, on the same
stream, so its koch-val is that run's. Exit codes: 0 success, 2 bad usage or bad input.`;

/** Parsed command line. */
export interface TuneArgs {
  profile: string;
  model: StudyModel;
  sets: string[];
  /** The `--set`s parsed against the profile, in order. */
  overrides: Override[];
  /** The profile's settings at `seed` with `overrides` applied: what the study trains. */
  config: RunConfig;
  seed: number;
  out: string | undefined;
  threads: number;
  backend: BackendRequest;
  help: boolean;
}

/** Parse and validate flags. @throws {UsageError} naming the bad flag or value. */
export function parseTuneArgs(args: string[]): TuneArgs {
  const v = parseFlags(args, {
    profile: { type: "string", default: "standard" },
    model: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    threads: { type: "string" },
    backend: { type: "string", default: "auto" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (v.help) {
    return {
      profile: "standard",
      model: "siamese",
      sets: [],
      overrides: [],
      config: resolveConfig("standard"),
      seed: 1,
      out: undefined,
      threads: 1,
      backend: "auto",
      help: true,
    };
  }
  const profile = oneOf("--profile", "profile", v.profile!, PROFILES);
  if (v.model === undefined) {
    throw new UsageError(`--model is required; choose one of ${STUDY_MODELS.join(", ")}`);
  }
  const model = oneOf("--model", "model", v.model, STUDY_MODELS);
  const seed = seedFlag("--seed", v.seed!);
  const sets = v.set as string[];
  // Every --set is checked against the profile now, before any data is loaded.
  const defaults = resolveConfig(profile, { seed });
  const overrides = sets.map((s) => parseOverride(s, defaults));
  // A --set the model does not read would train the profile's own model under its name.
  for (const override of overrides) {
    const unread = unreadOverride(model, defaults, override);
    if (unread) throw new UsageError(unread);
  }
  const applied = applyOverrides(defaults, overrides);
  // Settings that parse one by one but cannot train together, refused before any data loads.
  const problem = studyProblem(model, applied);
  if (problem) throw new UsageError(`--set: ${problem} (--model ${model})`);
  return {
    profile,
    model,
    sets,
    overrides,
    config: applied,
    seed,
    out: v.out,
    threads: threadsFlag(v.threads),
    backend: oneOf("--backend", "backend", v.backend!, BACKEND_REQUESTS),
    help: false,
  };
}

/** What {@link main} calls around the command line: the study and the commit reader (tests replace them). */
export interface TuneSteps {
  study: typeof validationStudy;
  commit: typeof gitCommit;
}

/** Run the command line; returns the exit code. */
export async function main(
  argv: string[],
  steps: TuneSteps = { study: validationStudy, commit: gitCommit },
): Promise<number> {
  const args = parseCommandLine(parseTuneArgs, argv, HELP);
  if (typeof args === "number") return args;
  const log = (line: string) => console.error(line);
  const config = args.config;
  const settings = describeOverrides(args.overrides);
  // The short hash ("-dirty" when the working tree had changes) of the code that trains, read
  // now: a checkout that moves during a long study must not relabel its row.
  const commit = (await steps.commit()) ?? "unknown";

  const outChecked = await checkOrExit(() => checkOutDir(args.out ?? resultsDir("tune")));
  if ("exit" in outChecked) return outChecked.exit;
  const out = outChecked.value;
  // Any backend that fails to start is the user's to fix (another --backend), as in reproduce.
  const selected = await checkOrExit(
    () => selectRunBackend(args.backend, log, { wasmThreads: args.threads }),
    () => true,
  );
  if ("exit" in selected) return selected.exit;
  const backend = selected.value;
  log(
    `tune ${args.model}, profile ${args.profile}, seed ${args.seed}: ${settings}; backend ${backend.name} ` +
      `(${computeNote(backend)})`,
  );
  return await exitOnDataError(async () => {
    const started = performance.now();
    const result = await steps.study({ config, model: args.model, log });
    const row = studyRow(result, {
      finished: new Date().toISOString(),
      commit,
      profile: args.profile,
      seed: args.seed,
      settings,
    });
    await Deno.mkdir(out, { recursive: true });
    await recordStudy(out, row);
    log(
      `tune ${args.model} [${settings}]: koch-val ${row.koch_val.toFixed(2)}% [${
        row.ci_low.toFixed(1)
      }, ${row.ci_high.toFixed(1)}], mnist-val ${
        row.mnist_val.toFixed(2)
      }% after ${row.steps} of ${row.step_bound} steps (stopped by ${row.stopped_by}), ` +
        `${formatSeconds((performance.now() - started) / 1000)}; ${out}/tune.md`,
    );
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
