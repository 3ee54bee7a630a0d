/**
 * The bench's rows: one per backend, net and phase, from timed steps (median, fastest) with the
 * throughput they give, merged over rounds, and compared with cpu and PyTorch.
 */
import { median } from "d3-array";
import type { BackendName } from "../lib/backends/select.ts";
import { embedFlops, trainImageFlops, trainStepFlops } from "./flops.ts";
import { MODELS } from "./models.ts";

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

/** The row of net `name` and `phase` on `backend` from its timed steps, or why none were timed. */
export function row(
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

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits: number): number {
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
