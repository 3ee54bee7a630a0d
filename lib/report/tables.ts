/**
 * Result rows and their CSV and Markdown forms. Column orders are docs/interface.md's; new
 * columns may only be appended. CSV syntax (quoting, parsing) is d3-dsv's; the number
 * formats per column are ours.
 */
import { csvFormatRows, csvParse } from "d3-dsv";

/** A row of `one_shot.csv`. Accuracies are percentages. */
export interface OneShotRow {
  experiment: string;
  method: string;
  dataset: string;
  protocol: string;
  ways: number;
  shots: number;
  trials: number;
  correct: number;
  accuracy: number;
  ci_low: number;
  ci_high: number;
  paper_accuracy?: number;
}

/** A row of `verification.csv`. */
export interface VerificationRow {
  experiment: string;
  method: string;
  train_pairs: number;
  distortions: boolean;
  test_pairs: number;
  accuracy: number;
  threshold: number;
  auc?: number;
  eer?: number;
  paper_accuracy?: number;
}

export const ONE_SHOT_COLUMNS = [
  "experiment",
  "method",
  "dataset",
  "protocol",
  "ways",
  "shots",
  "trials",
  "correct",
  "accuracy",
  "ci_low",
  "ci_high",
  "paper_accuracy",
] as const;

export const VERIFICATION_COLUMNS = [
  "experiment",
  "method",
  "train_pairs",
  "distortions",
  "test_pairs",
  "accuracy",
  "threshold",
  "auc",
  "eer",
  "paper_accuracy",
] as const;

/** Percent with two decimals, as the contract asks. */
const PERCENT = new Set(["accuracy", "ci_low", "ci_high", "paper_accuracy", "eer"]);

/** The text of one cell: empty for a missing value, numbers at their column's precision. */
function cell(column: string, value: unknown): string {
  if (value === undefined || value === null || (typeof value === "number" && Number.isNaN(value))) {
    return "";
  }
  if (typeof value === "number") {
    if (PERCENT.has(column)) return value.toFixed(2);
    if (column === "auc" || column === "threshold") return value.toFixed(4);
    return String(value);
  }
  return String(value);
}

/** CSV text with a header line and a final newline (fields quoted by d3-dsv when needed). */
export function toCsv<T extends object>(columns: readonly string[], rows: readonly T[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c, (r as Record<string, unknown>)[c])));
  return csvFormatRows([[...columns], ...cells]) + "\n";
}

/** Parse CSV with a header line (quoted fields allowed) into string records; a missing field is "". */
export function parseCsv(text: string): Record<string, string>[] {
  // d3-dsv fills a short row's missing fields with "", so every value is a string.
  return [...csvParse(text)] as Record<string, string>[];
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => String(v).replaceAll("|", "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** `92.00 [89.1, 94.3]` */
export function formatAccuracy(row: Pick<OneShotRow, "accuracy" | "ci_low" | "ci_high">): string {
  return `${row.accuracy.toFixed(2)} [${row.ci_low.toFixed(1)}, ${row.ci_high.toFixed(1)}]`;
}
