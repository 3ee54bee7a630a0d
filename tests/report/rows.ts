/** Result rows for the tests of tables and reports. */
import type { OneShotRow } from "../../lib/report/tables.ts";

/**
 * A 20-way one-shot row on Omniglot over 400 trials at `accuracy` percent, its interval 4 points
 * either side, with `extra` fields over these.
 */
export function omniglotRow(
  experiment: string,
  method: string,
  protocol: string,
  accuracy: number,
  extra: Partial<OneShotRow> = {},
): OneShotRow {
  return {
    experiment,
    method,
    dataset: "omniglot",
    protocol,
    ways: 20,
    shots: 1,
    trials: 400,
    correct: accuracy * 4,
    accuracy,
    ci_low: accuracy - 4,
    ci_high: accuracy + 4,
    ...extra,
  };
}
