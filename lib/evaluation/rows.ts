/**
 * Turning scored tasks into `one_shot.csv` rows, with the paper's number beside ours.
 */
import type { OneShotResult } from "./one_shot.ts";
import type { OneShotRow } from "../report/tables.ts";
import { type PaperFamily, paperOneShot } from "../paper.ts";

/** Options of {@link oneShotRow}. */
export interface RowOptions {
  experiment: string;
  method: string;
  /**
   * The paper's method this row's method is (`1-nn`, `siamese`); none for a method the paper
   * does not have (triplet loss), whose row then carries no paper number.
   */
  paperFamily?: PaperFamily;
}

/** The CSV row of a scored task. */
export function oneShotRow(result: OneShotResult, options: RowOptions): OneShotRow {
  return {
    experiment: options.experiment,
    method: options.method,
    dataset: result.dataset,
    protocol: result.protocol,
    ways: result.ways,
    shots: result.shots,
    trials: result.trials,
    correct: result.correct,
    accuracy: round2(result.accuracy),
    ci_low: round2(result.ciLow),
    ci_high: round2(result.ciHigh),
    paper_accuracy: options.paperFamily
      ? paperOneShot(options.paperFamily, result.dataset, result.ways)
      : undefined,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
