/**
 * `deno task bench`: training and embedding throughput of the Siamese nets per backend,
 * written to `results/bench/throughput.json` and `results/bench/throughput.md`. What a `train`
 * step and an `embed` call are: bench/measure.ts; the nets and batches: bench/models.ts (the
 * paper trains with minibatches of 128 pairs; the bench uses 8 for the 105x105 net so a CPU step
 * stays within seconds).
 *
 * GFLOP/s come from an analytic count of the multiply-adds of the convolutions and dense
 * layers (`trainStepFlops`, `embedFlops`), so backends compare on work done, not on kernels.
 * `--reference pytorch` times the same nets, batch and optimizer in PyTorch
 * (`bench/reference_pytorch.py`) in the same invocation, on the same number of threads.
 * `--rounds N` repeats the whole measurement N times, backends and PyTorch in turn, so that a
 * ratio can be read round by round rather than from one stretch of a machine whose speed drifts.
 *
 * Exit 0 success, 2 bad usage (unknown flag or value, or an explicitly named backend that
 * cannot start).
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import {
  BACKEND_NAMES,
  BackendError,
  type BackendName,
  selectBackend,
} from "../lib/backends/select.ts";
import { parseCommandLine, parseFlags } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { THREADS_ENV } from "../lib/backends/threads.ts";
import { type PytorchJob, runPytorchReference } from "../bench/pytorch_reference.ts";
import { kernelMarkdown, type KernelProfile, profileKernels } from "../bench/kernel_profile.ts";
import { embedFlops, trainStepFlops } from "../bench/flops.ts";
import { DEFAULT_MODELS, MODELS } from "../bench/models.ts";
import { measureEmbed, measureTrain } from "../bench/measure.ts";
import { type BenchRow, mergeRounds, round, row } from "../bench/rows.ts";
import { benchMarkdown } from "../bench/report.ts";

/** Steps tf.profile watches per model with `--kernels` (after the timed ones). */
const KERNEL_PROFILE_STEPS = 3;

const HELP = `deno task bench [flags]

Measures training and embedding throughput of the Siamese nets on each tfjs backend and writes
results/bench/throughput.json and results/bench/throughput.md.

  --backends a,b     backends to measure: ${BACKEND_NAMES.join(", ")}
                     (default all; those that cannot start are listed with the reason)
  --models a,b       nets: koch-105 (the paper's, 105x105, batch 8 pairs), standard (35x35,
                     batch 32 pairs), triplet (the standard triplet embedding net, 16x4
                     images, batch-hard loss) (default all three); triplet-subnormal, the
                     triplet net with 3.2% of its kernel entries subnormal and held there (as
                     the same-tower net's were at step 2,250 before the training loop flushed
                     them; lib/training/subnormals.ts), only when named, not run by PyTorch
  --steps N          timed steps per measurement after one warm-up step (default 3)
  --threads N        CPU threads of the wasm backend and of PyTorch (default: ${THREADS_ENV},
                     else every core up to 8; above 1 starts tfjs's threaded wasm build)
  --wasm-threads N   the same as --threads (older name)
  --reference pytorch
                     also time the same nets, batch and optimizer in PyTorch (Debian's
                     python3-torch under /usr/bin/python3; skipped with the reason without it)
  --rounds N         measure everything N times in turn (backends, then PyTorch, N times):
                     rows give the median of the rounds' medians and each round's median, and
                     throughput.md the ratio to PyTorch round by round (default 1)
  --kernels          also profile each training step kernel by kernel (tf.profile, 3 steps)
                     into kernels.md: where a step's time goes, and how much lies outside
                     the kernels
  --cpu-steps N      timed steps on the cpu backend, no warm-up: a standard-net training step
                     takes about a minute there (default 1)
  --out DIR          write there instead of results/bench/
  --help             this text

Exit codes: 0 success, 2 bad usage or a named backend that cannot start.`;

/** Parsed command line. */
export interface BenchArgs {
  backends: BackendName[];
  models: string[];
  steps: number;
  cpuSteps: number;
  /** CPU threads of the wasm backend and of the PyTorch reference. */
  threads: number;
  /** Frameworks to time side by side (`pytorch`). */
  reference: "pytorch" | undefined;
  /** Also profile each training step kernel by kernel into `kernels.md` (`--kernels`). */
  kernels: boolean;
  /** Times the whole measurement is repeated, backends and PyTorch in turn (`--rounds`). */
  rounds: number;
  out: string;
  help: boolean;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  }
  return n;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(
        `unknown value "${item}" for ${flag}; choose from ${allowed.join(", ")}`,
      );
    }
  }
  if (items.length === 0) throw new UsageError(`${flag} needs at least one value`);
  return items as T[];
}

/** Parse and validate flags. @throws {UsageError} naming the bad flag or value. */
export function parseBenchArgs(args: string[]): BenchArgs {
  const v = parseFlags(args, {
    backends: { type: "string" },
    models: { type: "string" },
    steps: { type: "string", default: "3" },
    "cpu-steps": { type: "string", default: "1" },
    threads: { type: "string" },
    "wasm-threads": { type: "string" },
    reference: { type: "string" },
    kernels: { type: "boolean", default: false },
    rounds: { type: "string", default: "1" },
    out: { type: "string", default: "results/bench" },
    help: { type: "boolean", short: "h", default: false },
  });
  return {
    backends: v.backends === undefined
      ? [...BACKEND_NAMES]
      : list("--backends", v.backends, BACKEND_NAMES),
    models: v.models === undefined
      ? [...DEFAULT_MODELS]
      : list("--models", v.models, Object.keys(MODELS)),
    steps: positiveInt("--steps", v.steps!),
    cpuSteps: positiveInt("--cpu-steps", v["cpu-steps"]!),
    threads: v.threads === undefined && v["wasm-threads"] !== undefined
      ? positiveInt("--wasm-threads", v["wasm-threads"])
      : threadsFlag(v.threads),
    reference: v.reference === undefined ? undefined : list(
      "--reference",
      v.reference,
      [
        "pytorch",
      ] as const,
    )[0],
    kernels: v.kernels!,
    rounds: positiveInt("--rounds", v.rounds!),
    out: v.out!,
    help: v.help!,
  };
}

/** Run the bench; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseBenchArgs, argv, HELP);
  if (typeof args === "number") return args;
  const log = (line: string) => console.error(line);
  const skipped: { name: string; reason: string }[] = [];
  const kernelTables: string[] = [];
  const explicit = argvHas(argv, "--backends");
  const rounds: BenchRow[][] = [];
  for (let turn = 1; turn <= args.rounds; turn++) {
    if (args.rounds > 1) log(`round ${turn} of ${args.rounds}`);
    const rows: BenchRow[] = [];
    rounds.push(rows);
    // A backend that did not start in the first round is not tried again.
    const backends = turn === 1
      ? args.backends
      : args.backends.filter((b) => !skipped.some((s) => s.name === b));
    for (const backend of backends) {
      try {
        await selectBackend(backend, log, { wasmThreads: args.threads });
      } catch (err) {
        if (!(err instanceof BackendError)) throw err;
        if (explicit) {
          console.error(`error: ${err.message}`);
          return 2;
        }
        skipped.push({
          name: backend,
          reason: err.message.replace(/^backend \S+ is not available: /, ""),
        });
        log(`skipping ${backend}: ${err.message}`);
        continue;
      }
      const steps = backend === "cpu" ? args.cpuSteps : args.steps;
      // The cpu backend has nothing to warm up, and each of its steps takes a minute.
      const warmup = backend === "cpu" ? 0 : 1;
      for (const name of args.models) {
        for (const phase of ["train", "embed"] as const) {
          if (backend === "cpu" && name === "koch-105") {
            rows.push(row(backend, name, phase, cpuKochNote(rows, phase)));
            continue;
          }
          log(`${backend} ${name} ${phase}: ${warmup} warm-up + ${steps} timed steps`);
          let profile: KernelProfile | undefined;
          const profileAfter = args.kernels && backend !== "cpu" && turn === 1
            ? async (step: () => Promise<void>) => {
              profile = await profileKernels(step, KERNEL_PROFILE_STEPS);
            }
            : undefined;
          const times = phase === "train"
            ? await measureTrain(MODELS[name], steps, warmup, 1, profileAfter)
            : await measureEmbed(MODELS[name], steps, warmup, 1);
          const r = row(backend, name, phase, times);
          if (profile && r.ms_per_step != null) {
            const threads = backend === "wasm" ? `, ${threadsNote(args.threads)}` : "";
            kernelTables.push(kernelMarkdown(
              `${backend}${threads}: ${name}, train, ${r.batch} ${
                MODELS[name].kind === "triplet" ? "images" : "pairs"
              }`,
              profile,
              r.ms_per_step,
            ));
          }
          if (backend === "wasm") r.note = threadsNote(args.threads);
          rows.push(r);
          log(
            `  ${r.ms_per_step} ms/step, ${r.pairs_per_s ?? "-"} pairs/s, ${r.gflop_per_s} GFLOP/s`,
          );
        }
      }
    }
    if (args.reference === "pytorch" && !skipped.some((s) => s.name === "pytorch")) {
      rows.push(...await pytorchRows(args, skipped, log));
    }
  }
  const rows = mergeRounds(rounds);
  // cpu rows are measured after the koch-105 rows were decided; fill their estimates now.
  for (const r of rows) {
    if (r.backend === "cpu" && r.model === "koch-105") r.note = cpuKochNote(rows, r.phase);
  }
  const machine = {
    cpu: os.cpus()[0]?.model ?? "unknown CPU",
    cores: os.cpus().length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    deno: Deno.version.deno,
    tfjs: tf.version_core,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    date: new Date().toISOString(),
  };
  const json = {
    rows,
    skipped,
    machine,
    steps: args.steps,
    cpu_steps: args.cpuSteps,
    threads: args.threads,
    rounds: args.rounds,
    reference: args.reference ?? null,
  };
  await writeFileAtomic(`${args.out}/throughput.json`, JSON.stringify(json, null, 2) + "\n");
  await writeFileAtomic(`${args.out}/throughput.md`, benchMarkdown(rows, skipped, machine));
  log(`wrote ${args.out}/throughput.json and ${args.out}/throughput.md`);
  if (args.kernels) {
    const text = [
      "# Where a training step goes, kernel by kernel",
      "",
      `${machine.cpu} (${machine.cores} cores), Deno ${machine.deno}, tfjs ${machine.tfjs}, ` +
      `${machine.date}. The bench's training steps (see throughput.md), profiled with tf.profile ` +
      "after their timed steps.",
      "",
      ...kernelTables,
    ].join("\n");
    await writeFileAtomic(`${args.out}/kernels.md`, text);
    console.log(text);
    log(`wrote ${args.out}/kernels.md`);
  }
  return 0;
}

function threadsNote(threads: number): string {
  return `${threads} thread${threads > 1 ? "s" : ""}`;
}

/** The PyTorch rows of `--reference pytorch`, or none (and a `skipped` entry) without torch. */
async function pytorchRows(
  args: BenchArgs,
  skipped: { name: string; reason: string }[],
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const jobs: PytorchJob[] = args.models.filter((name) => !MODELS[name].subnormalShare).map(
    (name) => {
      const m = MODELS[name];
      return {
        name,
        kind: m.kind,
        spec: m.spec,
        trainBatch: m.trainPairs,
        embedBatch: m.embedImages,
        drawingsPerClass: m.drawings,
        margin: m.margin,
        embeddingBatchNorm: m.embeddingBatchNorm,
      };
    },
  );
  if (jobs.length === 0) return [];
  log(`pytorch ${jobs.map((j) => j.name).join(", ")}: 1 warm-up + ${args.steps} timed steps each`);
  const run = await runPytorchReference(jobs, {
    threads: args.threads,
    steps: args.steps,
    warmup: 1,
  });
  if (typeof run === "string") {
    skipped.push({ name: "pytorch", reason: run });
    log(`skipping pytorch: ${run}`);
    return [];
  }
  const rows: BenchRow[] = [];
  for (const result of run.results) {
    for (const phase of ["train", "embed"] as const) {
      const times = phase === "train" ? result.train_ms : result.embed_ms;
      const r = row("pytorch", result.name, phase, times ?? "not measured");
      r.note = `torch ${run.torch}, ${threadsNote(run.threads)}`;
      rows.push(r);
      log(`  pytorch ${result.name} ${phase}: ${r.ms_per_step} ms/step`);
    }
  }
  return rows;
}

function argvHas(argv: string[], flag: string): boolean {
  return argv.some((a) => a === flag || a.startsWith(`${flag}=`));
}

/** Why the cpu backend skips the 105x105 net, with the time it would take if known. */
function cpuKochNote(rows: BenchRow[], phase: "train" | "embed"): string {
  const std = rows.find((r) => r.backend === "cpu" && r.model === "standard" && r.phase === phase);
  const base = "not run: the cpu backend is the reference on the standard net";
  if (std?.gflop_per_s == null) return base;
  const m = MODELS["koch-105"];
  const flops = phase === "train"
    ? trainStepFlops(m.spec, m.trainPairs)
    : embedFlops(m.spec, m.embedImages);
  const seconds = flops / (std.gflop_per_s * 1e9);
  const time = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
  return `${base}; at its standard-net rate one step would take ~${time}`;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
