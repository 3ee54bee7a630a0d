/**
 * Turning scored tasks and verification results into `one_shot.csv` and
 * `verification.csv` rows, with the paper's number beside ours.
 */
import type { OneShotResult } from "./one_shot.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import { PAPER_VERIFICATION, type PaperFamily, paperOneShot } from "../paper.ts";
import type { VerificationResult } from "./verification.ts";

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

/** Options of {@link verificationRow}. */
export interface VerificationRowOptions {
  experiment: string;
  method: string;
  /** Labelled pairs the model learned from (Table 1's column). */
  trainPairs: number;
  distortions: boolean;
  /** The threshold to report when not the result's own (an embedding's distance k). */
  threshold?: number;
  /** Compare with the paper's Table 1 row of the same (pairs, distortions) point. */
  paperTable1?: boolean;
}

/** The CSV row of a verification result. */
export function verificationRow(
  result: VerificationResult,
  options: VerificationRowOptions,
): VerificationRow {
  return {
    experiment: options.experiment,
    method: options.method,
    train_pairs: options.trainPairs,
    distortions: options.distortions,
    test_pairs: result.testPairs,
    accuracy: round2(result.accuracy),
    threshold: options.threshold ?? result.threshold,
    auc: result.auc,
    eer: round2(result.eer),
    paper_accuracy: options.paperTable1
      ? PAPER_VERIFICATION.find((p) =>
        p.trainPairs === options.trainPairs && p.distortions === options.distortions
      )?.accuracy
      : undefined,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
