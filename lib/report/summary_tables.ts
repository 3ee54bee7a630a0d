/**
 * Result rows as tables: our numbers beside the paper's (Koch et al. 2015, Tables 1 and 2,
 * section 4.4), and where each experiment ran and how long it took. Pure functions from
 * rows to display rows (`showTable` renders them in the notebooks) and to the cells of
 * report.md's Markdown tables, so that every rendering of Tables 1-2 lives here.
 *
 * @example
 * ```ts
 * const dir = resultsDir("standard");
 * await showTable(paperTable2(await readOneShot(dir)));
 * await showTable(runTable((await readRunRecord(dir))!));
 * ```
 */
import { PAPER_TABLE2, PAPER_VERIFICATION } from "../paper.ts";
import type { TableRow } from "./display.ts";
import { formatSeconds } from "./progress.ts";
import type { RunRecord } from "./results.ts";
import { formatAccuracy, type OneShotRow, type VerificationRow } from "./tables.ts";

/** `experiment: method`, or the method alone when they are the same word. */
export function methodLabel(row: Pick<OneShotRow, "experiment" | "method">): string {
  return row.experiment === row.method ? row.method : `${row.experiment}: ${row.method}`;
}

/** Header and cells of a Markdown table (`markdownTable` renders it). */
export interface CellTable {
  header: string[];
  rows: (string | number)[][];
}

/**
 * report.md's Table 2: per method, its 20-way within-alphabet accuracy on lake-runs and
 * on koch-400 with 95% intervals, the trials, and the paper's number.
 */
export function table2Cells(oneShot: readonly OneShotRow[]): CellTable {
  const twenty = oneShot.filter((r) =>
    r.dataset === "omniglot" && r.ways === 20 && r.protocol !== "n-way"
  );
  const methods = [...new Set(twenty.map(methodLabel))];
  return {
    header: ["This repo", "lake-runs (official 20 runs)", "koch-400 (seeded)", "trials", "Paper"],
    rows: methods.map((m) => {
      const lake = twenty.find((r) => methodLabel(r) === m && r.protocol === "lake-runs");
      const koch = twenty.find((r) => methodLabel(r) === m && r.protocol === "koch-400");
      const paper = lake?.paper_accuracy ?? koch?.paper_accuracy;
      return [
        m,
        lake ? formatAccuracy(lake) : "",
        koch ? formatAccuracy(koch) : "",
        lake?.trials ?? koch?.trials ?? "",
        paper !== undefined ? paper.toFixed(1) : "",
      ];
    }),
  };
}

/**
 * report.md's validation table: per method, its koch-val accuracy (the 10 validation
 * alphabets, where choices are read) beside its lake-runs and koch-400 (test, read once per
 * configuration). Methods without a koch-val row are left out; empty when none has one.
 */
export function validationCells(oneShot: readonly OneShotRow[]): CellTable {
  const val = oneShot.filter((r) => r.protocol === "koch-val");
  const test = (r: OneShotRow, protocol: string) =>
    oneShot.find((t) =>
      t.dataset === "omniglot" && t.protocol === protocol && t.experiment === r.experiment &&
      t.method === r.method
    );
  return {
    header: ["This repo", "koch-val (validation)", "trials", "lake-runs (test)", "koch-400 (test)"],
    rows: val.map((r) => {
      const lake = test(r, "lake-runs");
      const koch = test(r, "koch-400");
      return [
        methodLabel(r),
        formatAccuracy(r),
        r.trials,
        lake ? formatAccuracy(lake) : "",
        koch ? formatAccuracy(koch) : "",
      ];
    }),
  };
}

/** The paper's Table 2 as it is printed. */
export function paperTable2Cells(): CellTable {
  return {
    header: ["Paper: method", "accuracy"],
    rows: PAPER_TABLE2.map((p) => [p.method, p.accuracy.toFixed(1)]),
  };
}

/** report.md's Table 1: every verification row with its threshold, AUC, EER and the paper's number. */
export function table1Cells(verification: readonly VerificationRow[]): CellTable {
  return {
    header: [
      "method",
      "train pairs",
      "distortions",
      "test pairs",
      "accuracy",
      "threshold",
      "AUC",
      "EER",
      "Paper",
    ],
    rows: verification.map((v) => [
      methodLabel(v),
      v.train_pairs,
      v.distortions ? "yes" : "no",
      v.test_pairs,
      v.accuracy.toFixed(2),
      v.threshold.toFixed(4),
      v.auc?.toFixed(4) ?? "",
      v.eer?.toFixed(2) ?? "",
      v.paper_accuracy?.toFixed(2) ?? "",
    ]),
  };
}

/** The paper's Table 1 as it is printed. */
export function paperTable1Cells(): CellTable {
  return {
    header: ["Paper: training pairs", "distortions", "accuracy"],
    rows: PAPER_VERIFICATION.map((p) => [
      p.trainPairs,
      p.distortions ? "affine" : "none",
      p.accuracy.toFixed(2),
    ]),
  };
}

/** One line per one-shot row: method, protocol, N, trials, accuracy with its 95% interval, the paper's number. */
export function oneShotTable(rows: readonly OneShotRow[]): TableRow[] {
  return rows.map((r) => ({
    method: methodLabel(r),
    dataset: r.dataset,
    protocol: r.protocol,
    ways: r.ways,
    trials: r.trials,
    "accuracy [95% CI]": formatAccuracy(r),
    paper: r.paper_accuracy,
  }));
}

/**
 * Table 2 with our methods ranked among the paper's: 20-way within-alphabet one-shot
 * accuracy, best first. Ours is the koch-400 row (the paper's protocol: 20 characters of
 * one test alphabet, 400 trials), with the official lake-runs beside it.
 */
export function paperTable2(oneShot: readonly OneShotRow[]): TableRow[] {
  const ours = oneShot.filter((r) =>
    r.dataset === "omniglot" && r.ways === 20 && r.protocol === "koch-400"
  );
  // The paper gives one decimal; ours carry the two of the CSV files.
  const rows: { value: number; row: TableRow }[] = PAPER_TABLE2.map((p) => ({
    value: p.accuracy,
    row: {
      method: p.method,
      source: "paper",
      accuracy: p.accuracy.toFixed(1),
      "95% CI": "",
      "lake-runs [95% CI]": "",
    },
  }));
  for (const r of ours) {
    const lake = oneShot.find((l) =>
      l.protocol === "lake-runs" && l.experiment === r.experiment && l.method === r.method
    );
    rows.push({
      value: r.accuracy,
      row: {
        method: methodLabel(r),
        source: "this repo",
        accuracy: r.accuracy.toFixed(2),
        "95% CI": `[${r.ci_low.toFixed(1)}, ${r.ci_high.toFixed(1)}]`,
        "lake-runs [95% CI]": lake ? formatAccuracy(lake) : "",
      },
    });
  }
  // Stable sort: on equal accuracy the paper's row stays first.
  return rows.sort((a, b) => b.value - a.value).map((r) => r.row);
}

/**
 * Table 1 beside ours: each of the paper's (training pairs, distortions) points with our
 * model trained at that point, then our other verification rows (the main models, trained
 * on all pairs of their batches). Sorted by training pairs, plain before distorted.
 */
export function paperTable1(verification: readonly VerificationRow[]): TableRow[] {
  const rows: { pairs: number; distortions: boolean; row: TableRow }[] = [];
  const line = (pairs: number, distortions: boolean, paper?: number, v?: VerificationRow) =>
    rows.push({
      pairs,
      distortions,
      row: {
        "train pairs": pairs,
        distortions: distortions ? "affine" : "none",
        paper,
        method: v ? methodLabel(v) : "",
        accuracy: v?.accuracy,
        AUC: v?.auc === undefined ? "" : v.auc.toFixed(4),
        "EER %": v?.eer,
      },
    });
  const matched = new Set<VerificationRow>();
  for (const p of PAPER_VERIFICATION) {
    const ours = verification.filter((v) =>
      v.paper_accuracy !== undefined && v.train_pairs === p.trainPairs &&
      v.distortions === p.distortions
    );
    if (ours.length === 0) line(p.trainPairs, p.distortions, p.accuracy);
    for (const v of ours) {
      matched.add(v);
      line(p.trainPairs, p.distortions, p.accuracy, v);
    }
  }
  for (const v of verification) {
    if (!matched.has(v)) line(v.train_pairs, v.distortions, v.paper_accuracy, v);
  }
  rows.sort((a, b) => a.pairs - b.pairs || Number(a.distortions) - Number(b.distortions));
  return rows.map((r) => r.row);
}

/** Verification rows: method, the threshold it chose, test pairs, accuracy, AUC, EER. */
export function verificationTable(verification: readonly VerificationRow[]): TableRow[] {
  return verification.map((v) => ({
    method: methodLabel(v),
    threshold: v.threshold.toFixed(4),
    "test pairs": v.test_pairs,
    accuracy: v.accuracy,
    AUC: v.auc?.toFixed(4),
    "EER %": v.eer,
  }));
}

/** MNIST 10-way one-shot rows (section 4.4: 1-NN 26.5%, Siamese 70.3%), best first. */
export function mnistTable(oneShot: readonly OneShotRow[]): TableRow[] {
  return oneShot
    .filter((r) => r.dataset === "mnist")
    .sort((a, b) => b.accuracy - a.accuracy)
    .map((r) => ({
      method: methodLabel(r),
      "accuracy [95% CI]": formatAccuracy(r),
      trials: r.trials,
      paper: r.paper_accuracy,
    }));
}

/** Per experiment of `run.json`: status, backend, wall time, and whether saved models were reused. */
export function runTable(run: RunRecord): TableRow[] {
  return Object.entries(run.experiments).map(([name, e]) => ({
    experiment: name,
    status: e.status,
    backend: e.backend,
    "wall time": formatSeconds(e.seconds),
    note: e.error?.split("\n")[0] ?? reuseNote(e.details),
  }));
}

/**
 * What the details say about reuse: `details.reused` (one model, the siamese experiment) or
 * `details.models.<name>.reused` (one model per miner, the triplet experiment).
 */
function reuseNote(details: Record<string, unknown> | undefined): string {
  const flags: boolean[] = [];
  if (typeof details?.reused === "boolean") flags.push(details.reused);
  const models = details?.models;
  if (models && typeof models === "object" && !Array.isArray(models)) {
    for (const m of Object.values(models)) {
      const reused = (m as { reused?: unknown } | null)?.reused;
      if (typeof reused === "boolean") flags.push(reused);
    }
  }
  if (flags.length === 0) return "";
  const n = flags.filter(Boolean).length;
  if (flags.length === 1) return n ? "saved model reused" : "trained";
  return n === flags.length
    ? `${n} saved models reused`
    : n === 0
    ? `${flags.length} models trained`
    : `${n} of ${flags.length} saved models reused`;
}
