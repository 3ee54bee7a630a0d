/**
 * The record of validation studies: `tune.csv` (one row per study, appended) and `tune.md` (the
 * same rows grouped by model, best koch-val first), so choices and the evidence for them sit in one
 * folder. Both are rewritten whole and atomically after each study.
 */
import { csvFormat, csvParse } from "d3-dsv";
import { writeFileAtomic } from "../data/files.ts";
import type { StudyResult } from "./validation_study.ts";

/** A row of `tune.csv`. */
export interface StudyRow {
  /** ISO time the study ended. */
  finished: string;
  commit: string;
  profile: string;
  seed: number;
  model: string;
  /** `describeOverrides`: what differs from the profile. */
  settings: string;
  steps: number;
  step_bound: number;
  stopped_by: string;
  best_step: number;
  best_validation: number;
  koch_val: number;
  ci_low: number;
  ci_high: number;
  trials: number;
  /** koch-val with features averaged over shifted views (test_time_views.ts). */
  koch_val_views: number;
  train_seconds: number;
  /** mnist-val: 10-way trials from MNIST's training set (blank in rows logged before it). */
  mnist_val: number;
}

const COLUMNS: (keyof StudyRow)[] = [
  "finished",
  "commit",
  "profile",
  "seed",
  "model",
  "settings",
  "steps",
  "step_bound",
  "stopped_by",
  "best_step",
  "best_validation",
  "koch_val",
  "ci_low",
  "ci_high",
  "trials",
  "koch_val_views",
  "train_seconds",
  "mnist_val",
];

/** The columns that hold words; the others are numbers. */
const TEXT = new Set<keyof StudyRow>([
  "finished",
  "commit",
  "profile",
  "model",
  "settings",
  "stopped_by",
]);

/** The row of a study. */
export function studyRow(
  result: StudyResult,
  run: { finished: string; commit: string; profile: string; seed: number; settings: string },
): StudyRow {
  const round = (x: number, d: number) => Number(x.toFixed(d));
  return {
    ...run,
    model: result.model,
    steps: result.steps,
    step_bound: result.stepBound,
    stopped_by: result.stoppedBy,
    best_step: result.bestStep,
    best_validation: round(result.bestValidation, 2),
    koch_val: round(result.kochVal, 2),
    ci_low: round(result.ciLow, 2),
    ci_high: round(result.ciHigh, 2),
    trials: result.trials,
    koch_val_views: round(result.kochValViews, 2),
    train_seconds: round(result.trainSeconds, 1),
    mnist_val: round(result.mnistVal, 2),
  };
}

/** The rows of `tune.csv` at `path`; none when it does not exist yet. */
export async function readStudies(path: string): Promise<StudyRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return csvParse(text).map((r) => {
    const row: Record<string, unknown> = {};
    for (const c of COLUMNS) row[c] = TEXT.has(c) ? (r[c] ?? "") : Number(r[c]);
    return row as unknown as StudyRow;
  });
}

/** The Markdown of `tune.md`: a table per model, best koch-val first. */
export function studiesMarkdown(rows: readonly StudyRow[]): string {
  const lines = [
    "# Validation studies",
    "",
    "Each row: one model trained with the profile's settings except those named, scored on",
    "koch-val only (20-way within-alphabet trials on the 10 validation alphabets; no test protocol",
    'is built). "shifted views": the same model with each image\'s features averaged over the',
    "image and its four one-pixel shifts (test-time augmentation). mnist-val: the transfer to",
    "MNIST, 2,000 10-way trials from MNIST's training set (mnist-400 reads its test set).",
    "Written by `deno task tune`.",
  ];
  const models = [...new Set(rows.map((r) => r.model))];
  for (const model of models) {
    const mine = rows.filter((r) => r.model === model).sort((a, b) => b.koch_val - a.koch_val);
    lines.push(
      "",
      `## ${model}`,
      "",
      "| settings | profile | seed | steps | stopped by | best validation (step) | koch-val | 95% CI | shifted views | mnist-val | train | commit |",
      "|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|---|",
    );
    for (const r of mine) {
      lines.push(
        `| ${r.settings} | ${r.profile} | ${r.seed} | ${r.steps} of ${r.step_bound} | ${r.stopped_by} | ${
          r.best_validation.toFixed(2)
        } (${r.best_step}) | ${r.koch_val.toFixed(2)} | [${r.ci_low.toFixed(1)}, ${
          r.ci_high.toFixed(1)
        }] | ${
          // Rows logged before the column existed have none.
          Number.isFinite(r.koch_val_views) ? r.koch_val_views.toFixed(2) : ""} | ${
          Number.isFinite(r.mnist_val) ? r.mnist_val.toFixed(2) : ""
        } | ${Math.round(r.train_seconds)} s | ${r.commit} |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** Append `row` to `<dir>/tune.csv` and rewrite `<dir>/tune.md`; returns every row. */
export async function recordStudy(dir: string, row: StudyRow): Promise<StudyRow[]> {
  const rows = [...await readStudies(`${dir}/tune.csv`), row];
  await writeFileAtomic(`${dir}/tune.csv`, csvFormat(rows, COLUMNS) + "\n");
  await writeFileAtomic(`${dir}/tune.md`, studiesMarkdown(rows));
  return rows;
}
