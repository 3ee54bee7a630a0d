/**
 * `deno task bench`: training and embedding throughput of the Siamese nets per backend,
 * written to `results/bench/throughput.json` and `results/bench/throughput.md`.
 *
 * - `train`: one step = forward of both images of `batch` pairs through the shared tower,
 *   |h1 - h2|, the weighted-L1 head, sigmoid cross-entropy, backward and an SGD update
 *   (Koch et al. section 3: the paper trains with minibatches of 128 pairs; the bench uses 8
 *   for the 105x105 net so a CPU step stays within seconds).
 * - `embed`: the tower's forward pass alone (inference mode) on `batch` images, which is
 *   what one-shot evaluation spends its time on.
 *
 * GFLOP/s come from an analytic count of the multiply-adds of the convolutions and dense
 * layers (`trainStepFlops`, `embedFlops`), so backends compare on work done, not on kernels.
 * Exit 0 success, 2 bad usage (unknown flag or value, or an explicitly named backend that
 * cannot start).
 */
import * as os from "node:os";
import { median } from "d3-array";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  BACKEND_NAMES,
  BackendError,
  type BackendName,
  selectBackend,
} from "../lib/backends/select.ts";
import { parseCommandLine, parseFlags, UsageError } from "../lib/cli.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import {
  buildSiameseHead,
  buildTower,
  KOCH_105,
  STANDARD_35,
  towerShapes,
  type TowerSpec,
} from "../lib/models/koch.ts";
import { Rng } from "../lib/rng.ts";

const HELP = `deno task bench [flags]

Measures training and embedding throughput of the Siamese nets on each tfjs backend and writes
results/bench/throughput.json and results/bench/throughput.md.

  --backends a,b     backends to measure: ${BACKEND_NAMES.join(", ")}
                     (default all; those that cannot start are listed with the reason)
  --models a,b       nets: koch-105 (the paper's, 105x105, batch 8 pairs), standard (35x35,
                     batch 32 pairs) (default both)
  --steps N          timed steps per measurement after one warm-up step (default 3)
  --wasm-threads N   XNNPACK threads of the wasm backend (default 1; above 1 starts tfjs's
                     threaded wasm build, experimental under Deno)
  --cpu-steps N      timed steps on the cpu backend, no warm-up: a standard-net training step
                     takes about a minute there (default 1)
  --out DIR          write there instead of results/bench/
  --help             this text

Exit codes: 0 success, 2 bad usage or a named backend that cannot start.`;

/** One net measured by the bench. */
interface BenchModel {
  spec: TowerSpec;
  /** Pairs per training step. */
  trainPairs: number;
  /** Images per embedding call. */
  embedImages: number;
}

const MODELS: Record<string, BenchModel> = {
  "koch-105": { spec: KOCH_105, trainPairs: 8, embedImages: 16 },
  standard: { spec: STANDARD_35, trainPairs: 32, embedImages: 64 },
};

/** One line of the results table. */
export interface BenchRow {
  backend: BackendName;
  model: string;
  phase: "train" | "embed";
  /** Pairs per step (train) or images per call (embed). */
  batch: number;
  /** Median wall time of the timed steps; null when not measured (see `note`). */
  ms_per_step: number | null;
  /** Training pairs per second; for `embed`, images per second / 2 (both images of a pair). */
  pairs_per_s: number | null;
  /** Analytic FLOPs per step / time. */
  gflop_per_s: number | null;
  /** Images through the tower per second (2 per pair when training). */
  images_per_s: number | null;
  /** Timed steps behind `ms_per_step`. */
  steps: number;
  /** Fastest timed step. */
  ms_min: number | null;
  /** Why the row was not measured, or other remarks. */
  note: string;
}

/** Parsed command line. */
export interface BenchArgs {
  backends: BackendName[];
  models: string[];
  steps: number;
  cpuSteps: number;
  wasmThreads: number;
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
    "wasm-threads": { type: "string", default: "1" },
    out: { type: "string", default: "results/bench" },
    help: { type: "boolean", short: "h", default: false },
  });
  return {
    backends: v.backends === undefined
      ? [...BACKEND_NAMES]
      : list("--backends", v.backends, BACKEND_NAMES),
    models: v.models === undefined
      ? Object.keys(MODELS)
      : list("--models", v.models, Object.keys(MODELS)),
    steps: positiveInt("--steps", v.steps!),
    cpuSteps: positiveInt("--cpu-steps", v["cpu-steps"]!),
    wasmThreads: positiveInt("--wasm-threads", v["wasm-threads"]!),
    out: v.out!,
    help: v.help!,
  };
}

/** Multiply-adds x 2 of each conv and dense layer of the tower, per image, forward pass. */
export function layerFlops(spec: TowerSpec): number[] {
  const flops: number[] = [];
  let channels = 1;
  const shapes = towerShapes(spec);
  spec.convs.forEach((c, i) => {
    const side = shapes[i].conv;
    flops.push(2 * side * side * c.filters * c.kernel * c.kernel * channels);
    channels = c.filters;
  });
  const last = shapes[shapes.length - 1];
  flops.push(2 * last.out * last.out * last.channels * spec.dense);
  return flops;
}

/** FLOPs of embedding `images` images (tower forward pass). */
export function embedFlops(spec: TowerSpec, images: number): number {
  return images * layerFlops(spec).reduce((a, b) => a + b, 0);
}

/**
 * FLOPs of one training step on `pairs` pairs: forward, the weight gradient of every layer
 * (as much work as its forward pass) and the input gradient of every layer but the first
 * (the images need none), for both images of each pair; plus the head's dense layer.
 */
export function trainStepFlops(spec: TowerSpec, pairs: number): number {
  const layers = layerFlops(spec);
  const forward = layers.reduce((a, b) => a + b, 0);
  const perImage = 3 * forward - layers[0];
  return 2 * pairs * perImage + 3 * pairs * 2 * spec.dense;
}

/** Times `warmup + steps` calls of `step`; returns the timed durations in ms. */
function timeSteps(step: () => void, steps: number, warmup: number): number[] {
  // Warm-up: XNNPACK operator creation, kernel setup, wasm memory growth.
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return times;
}

function measureTrain(model: BenchModel, steps: number, warmup: number, seed: number): number[] {
  const rng = new Rng(seed, "bench");
  const tower = buildTower(model.spec, rng.fork("tower"));
  const head = buildSiameseHead(model.spec, rng.fork("head"));
  const s = model.spec.inputSize;
  const pairs = model.trainPairs;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: 2 * pairs * s * s }, () => data.next()),
    [2 * pairs, s, s, 1],
  );
  const labels = tf.tensor2d(Array.from({ length: pairs }, (_, i) => i % 2), [pairs, 1]);
  const optimizer = tf.train.sgd(0.01);
  try {
    return timeSteps(
      () => {
        const loss = optimizer.minimize(() => {
          // Both images of every pair go through the shared tower in one batch.
          const h = tower.apply(images, { training: true }) as tf.Tensor2D;
          const [h1, h2] = tf.split(h, 2);
          const logits = head.apply(tf.abs(tf.sub(h1, h2))) as tf.Tensor2D;
          return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
        }, true)!;
        const value = loss.dataSync()[0];
        loss.dispose();
        if (!Number.isFinite(value)) throw new Error(`training loss is ${value}`);
      },
      steps,
      warmup,
    );
  } finally {
    optimizer.dispose();
    for (const m of [tower, head] as tfl.LayersModel[]) m.dispose();
    tf.dispose([images, labels]);
  }
}

function measureEmbed(model: BenchModel, steps: number, warmup: number, seed: number): number[] {
  const rng = new Rng(seed, "bench");
  const tower = buildTower(model.spec, rng.fork("tower"));
  const s = model.spec.inputSize;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: model.embedImages * s * s }, () => data.next()),
    [model.embedImages, s, s, 1],
  );
  try {
    return timeSteps(
      () => {
        const h = tower.predict(images) as tf.Tensor;
        h.dataSync();
        h.dispose();
      },
      steps,
      warmup,
    );
  } finally {
    tower.dispose();
    images.dispose();
  }
}

function row(
  backend: BackendName,
  name: string,
  phase: "train" | "embed",
  times: number[] | string,
): BenchRow {
  const model = MODELS[name];
  const batch = phase === "train" ? model.trainPairs : model.embedImages;
  if (typeof times === "string") {
    return {
      backend,
      model: name,
      phase,
      batch,
      ms_per_step: null,
      pairs_per_s: null,
      gflop_per_s: null,
      images_per_s: null,
      steps: 0,
      ms_min: null,
      note: times,
    };
  }
  const ms = median(times)!; // steps >= 1 (parseBenchArgs)
  const perSecond = 1000 / ms;
  const flops = phase === "train"
    ? trainStepFlops(model.spec, batch)
    : embedFlops(model.spec, batch);
  const images = phase === "train" ? 2 * batch : batch;
  return {
    backend,
    model: name,
    phase,
    batch,
    ms_per_step: round(ms, 1),
    pairs_per_s: round((phase === "train" ? batch : batch / 2) * perSecond, 2),
    gflop_per_s: round(flops * perSecond / 1e9, 2),
    images_per_s: round(images * perSecond, 2),
    steps: times.length,
    ms_min: round(Math.min(...times), 1),
    note: "",
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Speed of `r` relative to the cpu row of the same model and phase, e.g. "35x". */
export function ratioVsCpu(r: BenchRow, rows: BenchRow[]): string {
  const cpu = rows.find((c) =>
    c.backend === "cpu" && c.model === r.model && c.phase === r.phase && c.ms_per_step != null
  );
  if (r.ms_per_step == null || cpu?.ms_per_step == null) return "";
  const batchScale = r.batch / cpu.batch;
  const ratio = (cpu.ms_per_step / r.ms_per_step) * batchScale;
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}x`;
}

function fmt(x: number | null): string {
  return x == null ? "-" : String(x);
}

/** The Markdown report. */
export function benchMarkdown(
  rows: BenchRow[],
  skipped: { name: string; reason: string }[],
  machine: Record<string, unknown>,
): string {
  const lines = [
    "# Throughput per backend",
    "",
    `${machine.cpu} (${machine.cores} cores), Deno ${machine.deno}, tfjs ${machine.tfjs}, ` +
    `${machine.date}.`,
    "",
    "`train`: forward + backward + SGD update of the Siamese net on `batch` pairs (both images " +
    "through the shared tower). `embed`: tower forward pass on `batch` images; its pairs/s is " +
    "images/s / 2. GFLOP/s from an analytic count of conv and dense multiply-adds. Times are " +
    "medians of the timed steps after one warm-up step (none on cpu).",
    "",
    "| backend | model | phase | batch | ms/step | pairs/s | images/s | GFLOP/s | vs cpu | note |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.model} | ${r.phase} | ${r.batch} | ${fmt(r.ms_per_step)} | ` +
        `${fmt(r.pairs_per_s)} | ${fmt(r.images_per_s)} | ${fmt(r.gflop_per_s)} | ` +
        `${ratioVsCpu(r, rows)} | ${r.note.replaceAll("|", "/")} |`,
    );
  }
  const ratios = rows.filter((r) => r.backend !== "cpu" && ratioVsCpu(r, rows) !== "");
  if (ratios.length > 0) {
    lines.push("", "Ratios to the cpu backend (same net, same phase, per pair):", "");
    for (const r of ratios) {
      lines.push(`- ${r.model} ${r.phase}: ${r.backend} = ${ratioVsCpu(r, rows)} cpu`);
    }
  }
  if (skipped.length > 0) {
    lines.push("", "Backends that did not start:", "");
    for (const s of skipped) lines.push(`- ${s.name}: ${s.reason}`);
  }
  return lines.join("\n") + "\n";
}

/** Run the bench; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseBenchArgs, argv, HELP);
  if (typeof args === "number") return args;
  const log = (line: string) => console.error(line);
  const rows: BenchRow[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const explicit = argvHas(argv, "--backends");
  for (const backend of args.backends) {
    try {
      await selectBackend(backend, log, { wasmThreads: args.wasmThreads });
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
        const times = phase === "train"
          ? measureTrain(MODELS[name], steps, warmup, 1)
          : measureEmbed(MODELS[name], steps, warmup, 1);
        const r = row(backend, name, phase, times);
        if (backend === "wasm") {
          r.note = `${args.wasmThreads} thread${args.wasmThreads > 1 ? "s" : ""}`;
        }
        rows.push(r);
        log(`  ${r.ms_per_step} ms/step, ${r.pairs_per_s} pairs/s, ${r.gflop_per_s} GFLOP/s`);
      }
    }
  }
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
    wasm_threads: args.wasmThreads,
  };
  await writeFileAtomic(`${args.out}/throughput.json`, JSON.stringify(json, null, 2) + "\n");
  await writeFileAtomic(`${args.out}/throughput.md`, benchMarkdown(rows, skipped, machine));
  log(`wrote ${args.out}/throughput.json and ${args.out}/throughput.md`);
  return 0;
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
