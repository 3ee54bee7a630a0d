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
 * `--reference pytorch` times the same nets, batch and optimizer in PyTorch
 * (`bench/reference_pytorch.py`) in the same invocation, on the same number of threads.
 * `--rounds N` repeats the whole measurement N times, backends and PyTorch in turn, so that a
 * ratio can be read round by round rather than from one stretch of a machine whose speed drifts.
 *
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
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { THREADS_ENV } from "../lib/backends/threads.ts";
import { buildEmbeddingNet, embeddingTowerSpec } from "../lib/models/embedding.ts";
import { squaredL2Pairwise } from "../lib/distances/squared_l2.ts";
import { resolveConfig } from "../lib/config.ts";
import { type PytorchJob, runPytorchReference } from "../bench/pytorch_reference.ts";
import { kernelMarkdown, type KernelProfile, profileKernels } from "../bench/kernel_profile.ts";

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

/** One net measured by the bench. */
interface BenchModel {
  /** `siamese`: tower + weighted-L1 head on pairs; `triplet`: embedding net on P x K images. */
  kind: "siamese" | "triplet";
  spec: TowerSpec;
  /** Pairs (siamese) or images (triplet) per training step. */
  trainPairs: number;
  /** Triplet only: drawings per character (K of the P x K batch). */
  drawings?: number;
  /** Triplet only: margin of the batch-hard loss. */
  margin?: number;
  /** Triplet only: batch norm on the embedding before the L2 normalisation. */
  embeddingBatchNorm?: boolean;
  /** Images per embedding call. */
  embedImages: number;
  /**
   * Triplet only: this share of every kernel's entries set to subnormals (at random, seeded)
   * and held there by a zero learning rate, so each timed step meets them as training did.
   */
  subnormalShare?: number;
}

const TRIPLET = resolveConfig("standard").triplet;

const MODELS: Record<string, BenchModel> = {
  "koch-105": { kind: "siamese", spec: KOCH_105, trainPairs: 8, embedImages: 16 },
  standard: { kind: "siamese", spec: STANDARD_35, trainPairs: 32, embedImages: 64 },
  // The standard profile's triplet net and batch; the bench uses plain SGD like the others.
  triplet: {
    kind: "triplet",
    spec: embeddingTowerSpec(TRIPLET.tower, TRIPLET.embeddingDim),
    trainPairs: TRIPLET.batchCharacters * TRIPLET.batchDrawings,
    drawings: TRIPLET.batchDrawings,
    margin: TRIPLET.margin,
    embeddingBatchNorm: TRIPLET.embeddingBatchNorm,
    embedImages: 64,
  },
};
// 8,875 of the same-tower net's 277,000 weights were subnormal at step 2,250 without flushing.
MODELS["triplet-subnormal"] = { ...MODELS.triplet, subnormalShare: 0.032 };

/** The nets a bench measures when `--models` is not given: all but the subnormal one. */
const DEFAULT_MODELS = Object.keys(MODELS).filter((name) => !MODELS[name].subnormalShare);

/**
 * Sets `share` of the entries of each variable (chosen with `rng`) to +-1e-40, a subnormal
 * float32; returns how many it set.
 */
export function seedSubnormals(variables: readonly tf.Variable[], share: number, rng: Rng): number {
  let count = 0;
  for (const v of variables) {
    const values = (v.dataSync() as Float32Array).slice();
    const n = Math.round(share * values.length);
    for (const i of rng.shuffle(Array.from(values.keys())).slice(0, n)) {
      values[i] = i % 2 === 0 ? 1e-40 : -1e-40;
    }
    v.assign(tf.tensor(values, v.shape));
    count += n;
  }
  return count;
}

/** Where a row was measured: a tfjs backend, or PyTorch (`--reference pytorch`). */
export type BenchBackend = BackendName | "pytorch";

/** One line of the results table. */
export interface BenchRow {
  backend: BenchBackend;
  model: string;
  phase: "train" | "embed";
  /** Pairs per step (siamese train) or images per step (triplet train, embed). */
  batch: number;
  /** Median wall time of the timed steps; null when not measured (see `note`). */
  ms_per_step: number | null;
  /**
   * Training pairs per second; for `embed`, images per second / 2 (both images of a pair);
   * null for triplet training (its batch is images, see `images_per_s`).
   */
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
  /** With `--rounds` above 1: each round's median, in order (then `ms_per_step` is their median). */
  rounds_ms?: number[];
}

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
  return 2 * pairs * trainImageFlops(spec) + 3 * pairs * 2 * spec.dense;
}

/** FLOPs of training on one image: forward, weight gradients, input gradients but the first. */
export function trainImageFlops(spec: TowerSpec): number {
  const layers = layerFlops(spec);
  return 3 * layers.reduce((a, b) => a + b, 0) - layers[0];
}

/** Times `warmup + steps` calls of `step`; returns the timed durations in ms. */
async function timeSteps(
  step: () => Promise<void>,
  steps: number,
  warmup: number,
): Promise<number[]> {
  // Warm-up: XNNPACK operator creation, kernel setup, wasm memory growth.
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Called with a model's (warmed-up) training step after its timed steps (`--kernels`). */
type AfterTiming = (step: () => Promise<void>) => Promise<void>;

async function measureTrain(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
  after?: AfterTiming,
): Promise<number[]> {
  if (model.kind === "triplet") return measureTripletTrain(model, steps, warmup, seed, after);
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
    const step = minimizeStep(optimizer, () => {
      // Both images of every pair go through the shared tower in one batch.
      const h = tower.apply(images, { training: true }) as tf.Tensor2D;
      const [h1, h2] = tf.split(h, 2);
      const logits = head.apply(tf.abs(tf.sub(h1, h2))) as tf.Tensor2D;
      return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
    });
    const times = await timeSteps(step, steps, warmup);
    await after?.(step);
    return times;
  } finally {
    optimizer.dispose();
    for (const m of [tower, head] as tfl.LayersModel[]) m.dispose();
    tf.dispose([images, labels]);
  }
}

/** One optimizer step on `loss`, as a timed step: a non-finite loss is an error. */
// The loss is read asynchronously: webgpu cannot read synchronously in Deno (host_reads.ts).
function minimizeStep(optimizer: tf.Optimizer, loss: () => tf.Scalar): () => Promise<void> {
  return async () => {
    const value = optimizer.minimize(loss, true)!;
    const v = (await value.data())[0];
    value.dispose();
    if (!Number.isFinite(v)) throw new Error(`training loss is ${v}`);
  };
}

/**
 * One step of the triplet net: P x K images through the embedding net, the batch-hard margin
 * loss (hardest positive and hardest negative per anchor, Hermans et al.) written as tensor
 * ops on squared L2 distances, backward and an SGD update. The project's trainer mines on the
 * host instead; the bench keeps the loss in the graph so PyTorch runs the same computation.
 */
async function measureTripletTrain(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
  after?: AfterTiming,
): Promise<number[]> {
  const rng = new Rng(seed, "bench");
  const net = buildEmbeddingNet(model.spec, {
    dimension: model.spec.dense,
    rng: rng.fork("tower"),
    batchNorm: model.embeddingBatchNorm,
  });
  const s = model.spec.inputSize;
  const n = model.trainPairs;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: n * s * s }, () => data.next()),
    [n, s, s, 1],
  );
  const classes = tf.tensor1d(Array.from({ length: n }, (_, i) => Math.floor(i / model.drawings!)));
  const same = tf.cast(tf.equal(tf.expandDims(classes, 1), tf.expandDims(classes, 0)), "float32");
  seedModelSubnormals(net, model, rng);
  // A zero rate keeps the subnormals where they are (the update's kernels run all the same).
  const optimizer = tf.train.sgd(model.subnormalShare ? 0 : 0.01);
  try {
    const step = minimizeStep(optimizer, () => {
      const d = squaredL2Pairwise(net.apply(images, { training: true }) as tf.Tensor2D);
      const hardestPositive = tf.max(tf.mul(d, same), 1);
      const hardestNegative = tf.min(tf.add(d, tf.mul(same, 1e9)), 1);
      return tf.mean(tf.relu(tf.add(tf.sub(hardestPositive, hardestNegative), model.margin!)));
    });
    const times = await timeSteps(step, steps, warmup);
    await after?.(step);
    return times;
  } finally {
    optimizer.dispose();
    net.dispose();
    tf.dispose([images, classes, same]);
  }
}

/** The model's share of subnormals (`subnormalShare`, if any) in every kernel of `net`. */
function seedModelSubnormals(net: tfl.LayersModel, model: BenchModel, rng: Rng): void {
  if (!model.subnormalShare) return;
  const kernels = net.weights.filter((w) => /kernel/.test(w.originalName ?? w.name));
  seedSubnormals(
    kernels.map((w) => w.read() as tf.Variable),
    model.subnormalShare,
    rng.fork("sub"),
  );
}

async function measureEmbed(
  model: BenchModel,
  steps: number,
  warmup: number,
  seed: number,
): Promise<number[]> {
  const rng = new Rng(seed, "bench");
  const tower = model.kind === "triplet"
    ? buildEmbeddingNet(model.spec, {
      dimension: model.spec.dense,
      rng: rng.fork("tower"),
      batchNorm: model.embeddingBatchNorm,
    })
    : buildTower(model.spec, rng.fork("tower"));
  seedModelSubnormals(tower, model, rng);
  const s = model.spec.inputSize;
  const data = rng.fork("images");
  const images = tf.tensor4d(
    Float32Array.from({ length: model.embedImages * s * s }, () => data.next()),
    [model.embedImages, s, s, 1],
  );
  try {
    return await timeSteps(
      async () => {
        const h = tower.predict(images) as tf.Tensor;
        await h.data();
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
  backend: BenchBackend,
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
  // steps >= 1 (parseBenchArgs)
  return rowAt(backend, name, phase, median(times)!, Math.min(...times), times.length);
}

/** A measured row from its median `ms`, fastest step `min` and number of timed steps. */
function rowAt(
  backend: BenchBackend,
  name: string,
  phase: "train" | "embed",
  ms: number,
  min: number,
  steps: number,
): BenchRow {
  const model = MODELS[name];
  const batch = phase === "train" ? model.trainPairs : model.embedImages;
  const perSecond = 1000 / ms;
  const triplet = model.kind === "triplet";
  const flops = phase === "embed"
    ? embedFlops(model.spec, batch)
    : triplet
    ? batch * trainImageFlops(model.spec)
    : trainStepFlops(model.spec, batch);
  const images = phase === "train" && !triplet ? 2 * batch : batch;
  return {
    backend,
    model: name,
    phase,
    batch,
    ms_per_step: round(ms, 1),
    pairs_per_s: phase === "train" && triplet
      ? null
      : round((phase === "train" ? batch : batch / 2) * perSecond, 2),
    gflop_per_s: round(flops * perSecond / 1e9, 2),
    images_per_s: round(images * perSecond, 2),
    steps,
    ms_min: round(min, 1),
    note: "",
  };
}

/**
 * One row per net, phase and backend from the rows of each round (`--rounds`), in the first
 * round's order: the median of the rounds' medians, the fastest step of all, every timed step
 * counted, each round's median kept in `rounds_ms`. A row some round could not measure keeps the
 * first round's note. One round gives its rows back unchanged.
 */
export function mergeRounds(rounds: BenchRow[][]): BenchRow[] {
  if (rounds.length === 1) return rounds[0];
  const key = (r: BenchRow) => `${r.backend}|${r.model}|${r.phase}`;
  return rounds[0].map((first) => {
    const same = rounds.map((rows) => rows.find((r) => key(r) === key(first)));
    const measured = same.filter((r): r is BenchRow => r?.ms_per_step != null);
    if (measured.length !== rounds.length) return first;
    const merged = rowAt(
      first.backend,
      first.model,
      first.phase,
      median(measured.map((r) => r.ms_per_step!))!,
      Math.min(...measured.map((r) => r.ms_min!)),
      measured.reduce((n, r) => n + r.steps, 0),
    );
    return { ...merged, note: first.note, rounds_ms: measured.map((r) => r.ms_per_step!) };
  });
}

/**
 * The ratio to PyTorch round by round, one line per tfjs row that has a PyTorch row of the same
 * net, phase and batch, both measured in every round: e.g. "standard train, wasm: 1.15x, 0.98x,
 * 1.21x (median 1.15x; wasm 60.2-61.0 ms, PyTorch 59.0-73.1 ms)".
 */
export function roundRatios(rows: BenchRow[]): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    if (r.backend === "pytorch" || !r.rounds_ms) continue;
    const ref = rows.find((c) =>
      c.backend === "pytorch" && c.model === r.model && c.phase === r.phase &&
      c.batch === r.batch && c.rounds_ms?.length === r.rounds_ms!.length
    );
    if (!ref) continue;
    const ratios = r.rounds_ms.map((ms, i) => ref.rounds_ms![i] / ms);
    const range = (ms: number[]) => `${Math.min(...ms)}-${Math.max(...ms)} ms`;
    lines.push(
      `${r.model} ${r.phase}, ${r.backend}: ${ratios.map((x) => `${x.toFixed(2)}x`).join(", ")} ` +
        `(median ${median(ratios)!.toFixed(2)}x; ${r.backend} ${range(r.rounds_ms)}, ` +
        `PyTorch ${range(ref.rounds_ms!)})`,
    );
  }
  return lines;
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

/**
 * Speed of `r` relative to the PyTorch row of the same model and phase (same batch), e.g.
 * "0.61x": above 1 the tfjs backend is faster.
 */
export function ratioVsPytorch(r: BenchRow, rows: BenchRow[]): string {
  if (r.backend === "pytorch") return "";
  const ref = rows.find((c) =>
    c.backend === "pytorch" && c.model === r.model && c.phase === r.phase &&
    c.batch === r.batch && c.ms_per_step != null
  );
  if (r.ms_per_step == null || ref?.ms_per_step == null) return "";
  return `${(ref.ms_per_step / r.ms_per_step).toFixed(2)}x`;
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
    "medians of the timed steps after one warm-up step (none on cpu). `triplet`: the standard " +
    "triplet net on a P x K batch of images, batch-hard margin loss. `vs PyTorch`: the same " +
    "net, batch and optimizer in PyTorch (`--reference pytorch`), same threads; above 1x " +
    "tfjs is faster.",
    "",
    "| backend | model | phase | batch | ms/step | pairs/s | images/s | GFLOP/s | vs cpu | " +
    "vs PyTorch | note |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.model} | ${r.phase} | ${r.batch} | ${fmt(r.ms_per_step)} | ` +
        `${fmt(r.pairs_per_s)} | ${fmt(r.images_per_s)} | ${fmt(r.gflop_per_s)} | ` +
        `${ratioVsCpu(r, rows)} | ${ratioVsPytorch(r, rows)} | ${r.note.replaceAll("|", "/")} |`,
    );
  }
  const ratios = rows.filter((r) =>
    r.backend !== "cpu" && r.backend !== "pytorch" && ratioVsCpu(r, rows) !== ""
  );
  if (ratios.length > 0) {
    lines.push("", "Ratios to the cpu backend (same net, same phase, per pair):", "");
    for (const r of ratios) {
      lines.push(`- ${r.model} ${r.phase}: ${r.backend} = ${ratioVsCpu(r, rows)} cpu`);
    }
  }
  const byRound = roundRatios(rows);
  if (byRound.length > 0) {
    lines.push(
      "",
      `Ratios to PyTorch round by round (\`--rounds ${
        rows.find((r) => r.rounds_ms)!.rounds_ms!.length
      }\`: ` +
        "the backends, then PyTorch, in turn; each round's median step; above 1x tfjs is faster):",
      "",
    );
    for (const line of byRound) lines.push(`- ${line}`);
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
