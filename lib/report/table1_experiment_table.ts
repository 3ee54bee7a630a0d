/**
 * report.md's "Table 1 (its own experiment)" section: the `table1` experiment's fixed-pool models,
 * each with the budget it had, the steps it trained, what stopped it and how long it took, its
 * verification accuracy with a 95% interval, AUC and EER, and the paper's number beside it.
 */
import { wilson } from "../evaluation/intervals.ts";
import { PAPER_VERIFICATION } from "../paper.ts";
import { formatSeconds } from "./progress.ts";
import type { RunRecord } from "./results.ts";
import { formatAccuracy, markdownTable, type VerificationRow } from "./tables.ts";

/** The experiment's name in `run.json` and the rows (experiments/table1.ts's). */
export const TABLE1_EXPERIMENT = "table1";

/** A model as the experiment's `run.json` details record it (fields read here). */
type ModelRecord = {
  trainPairs?: number;
  distortions?: boolean;
  steps?: number;
  maxSteps?: number;
  stoppedBy?: string;
  seconds?: number;
  bestStep?: number;
  bestValidationAccuracy?: number;
  reused?: boolean;
};

/** The budget as the details record it. */
type Budget = {
  batchPairs?: number;
  steps?: number;
  validateEvery?: number;
  patience?: number;
  maxSeconds?: number;
};

/** How each `stoppedBy` reads in the table. */
const STOPS: Record<string, string> = {
  patience: "patience (validation stalled)",
  steps: "step bound",
  time: "time net",
};

/** `76.89 [76.1, 77.7]`: a verification accuracy and its 95% Wilson interval over the test pairs. */
export function verificationAccuracy(
  row: Pick<VerificationRow, "accuracy" | "test_pairs">,
): string {
  const n = row.test_pairs;
  if (!(n > 0)) return row.accuracy.toFixed(2);
  const ci = wilson(Math.round((row.accuracy / 100) * n), n);
  return formatAccuracy({ accuracy: row.accuracy, ci_low: 100 * ci.low, ci_high: 100 * ci.high });
}

/** The columns of the section's table (and of {@link table1ExperimentRows}). */
export const TABLE1_EXPERIMENT_COLUMNS = [
  "train pairs",
  "distortions",
  "steps trained",
  "passes over the pool",
  "stopped by",
  "training time",
  "best validation (%)",
  "verification accuracy [95% CI]",
  "AUC",
  "EER",
  "Paper",
] as const;

type Details = { budget?: Budget; models?: ModelRecord[] } | undefined;

function experimentRows(verification: readonly VerificationRow[]): VerificationRow[] {
  return verification
    .filter((v) => v.experiment === TABLE1_EXPERIMENT)
    .sort((a, b) => a.train_pairs - b.train_pairs || Number(a.distortions) - Number(b.distortions));
}

function cells(rows: readonly VerificationRow[], details: Details): (string | number)[][] {
  const budget = details?.budget;
  const model = (v: VerificationRow) =>
    details?.models?.find((m) => m.trainPairs === v.train_pairs && m.distortions === v.distortions);
  return rows.map((v) => {
    const m = model(v);
    return [
      v.train_pairs,
      v.distortions ? "affine" : "none",
      m?.steps !== undefined
        ? `${m.steps}${m.maxSteps !== undefined ? ` of ${m.maxSteps}` : ""}`
        : "",
      m?.steps !== undefined && budget?.batchPairs !== undefined
        ? ((m.steps * budget.batchPairs) / v.train_pairs).toFixed(2)
        : "",
      m?.stoppedBy ? STOPS[m.stoppedBy] ?? m.stoppedBy : "",
      m?.seconds !== undefined ? formatSeconds(m.seconds) + (m.reused ? " (reused)" : "") : "",
      m?.bestValidationAccuracy !== undefined
        ? `${m.bestValidationAccuracy.toFixed(1)} at step ${m.bestStep}`
        : "",
      verificationAccuracy(v),
      v.auc?.toFixed(4) ?? "",
      v.eer?.toFixed(2) ?? "",
      v.paper_accuracy?.toFixed(2) ?? "",
    ];
  });
}

/**
 * The `table1` experiment's models as table rows keyed by {@link TABLE1_EXPERIMENT_COLUMNS}
 * (notebook 2 shows them), in the section's order; none when the folder has no `table1` rows.
 */
export function table1ExperimentRows(
  verification: readonly VerificationRow[],
  run: Pick<RunRecord, "experiments">,
): Record<string, string | number>[] {
  const details = run.experiments[TABLE1_EXPERIMENT]?.details as Details;
  return cells(experimentRows(verification), details).map((row) =>
    Object.fromEntries(TABLE1_EXPERIMENT_COLUMNS.map((c, i) => [c, row[i]]))
  );
}

/**
 * The section's Markdown lines, or none when the folder has no `table1` rows. Rows in order of
 * training pairs, plain before distorted; steps, stop and seconds come from `run.json`.
 */
export function table1ExperimentMarkdown(
  verification: readonly VerificationRow[],
  run: Pick<RunRecord, "experiments">,
): string[] {
  const rows = experimentRows(verification);
  if (rows.length === 0) return [];
  const record = run.experiments[TABLE1_EXPERIMENT];
  const details = record?.details as Details;
  const budget = details?.budget;
  const out = [
    "## Table 1 (its own experiment)",
    "",
    "The paper's setting: each Siamese net learns from a fixed pool of that many labelled pairs " +
    "of the background alphabets (half same, half different), in minibatches of " +
    `${budget?.batchPairs ?? "?"} pairs, with or without the affine distortions, and trains ` +
    "until validation (320 one-shot tasks on the validation alphabets, every " +
    `${budget?.validateEvery ?? "?"} steps) has not improved for ${budget?.patience ?? "?"} ` +
    `validations, or its budget runs out: ${budget?.steps ?? "?"} steps, or a time net of ` +
    `${budget?.maxSeconds !== undefined ? formatSeconds(budget.maxSeconds) : "?"}. ` +
    "The best validation weights are scored on the test pairs; the threshold is chosen on " +
    "the validation pairs. The paper trained its 105x105 net up to 200 passes (epochs) over " +
    "each pool, with patience 20 epochs; the passes column says how many each model here made.",
    "",
    markdownTable([...TABLE1_EXPERIMENT_COLUMNS], cells(rows, details)),
    "",
  ];
  const missing = PAPER_VERIFICATION.filter((p) =>
    !rows.some((v) => v.train_pairs === p.trainPairs && v.distortions === p.distortions)
  );
  if (missing.length) {
    out.push(
      "Points of the paper's Table 1 without a model here (outside this profile's budget): " +
        missing.map((p) =>
          `${p.trainPairs} pairs ${p.distortions ? "affine" : "none"} (paper ${
            p.accuracy.toFixed(2)
          })`
        ).join(", ") + ".",
    );
    out.push("");
  }
  if (record) {
    out.push(
      `The experiment took ${formatSeconds(record.seconds)} of wall time` +
        (details?.models?.some((m) => m.reused)
          ? " (reused models' training time is that of the run that trained them)."
          : "."),
    );
    out.push("");
  }
  return out;
}
