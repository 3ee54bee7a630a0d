import assert from "node:assert/strict";
import {
  markdownTable,
  ONE_SHOT_COLUMNS,
  type OneShotRow,
  parseCsv,
  toCsv,
} from "../../lib/report/tables.ts";

const row: OneShotRow = {
  experiment: "baseline",
  method: "1-nn-l2",
  dataset: "omniglot",
  protocol: "lake-runs",
  ways: 20,
  shots: 1,
  trials: 400,
  correct: 76,
  accuracy: 19,
  ci_low: 15.456,
  ci_high: 23.1,
  paper_accuracy: undefined,
};

Deno.test("one_shot.csv has the contract's columns, two-decimal percentages and empty missing values", () => {
  const csv = toCsv(ONE_SHOT_COLUMNS, [row]);
  const [header, line] = csv.trim().split("\n");
  assert.equal(
    header,
    "experiment,method,dataset,protocol,ways,shots,trials,correct,accuracy,ci_low,ci_high,paper_accuracy",
  );
  assert.equal(line, "baseline,1-nn-l2,omniglot,lake-runs,20,1,400,76,19.00,15.46,23.10,");
});

Deno.test("CSV fields with commas and quotes survive a round trip", () => {
  const csv = toCsv(["a", "b"], [{ a: 'x, "y"', b: 2 }]);
  assert.deepEqual(parseCsv(csv), [{ a: 'x, "y"', b: "2" }]);
});

Deno.test("Markdown tables escape pipes", () => {
  assert.equal(markdownTable(["a"], [["x|y"]]), "| a |\n| --- |\n| x\\|y |");
});
