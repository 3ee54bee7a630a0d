import assert from "node:assert/strict";
import {
  markdownTable,
  ONE_SHOT_COLUMNS,
  type OneShotRow,
  parseCsv,
  toCsv,
} from "../../lib/report/tables.ts";
import { readOneShot, readVerification, writeRows } from "../../lib/report/results.ts";

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

Deno.test("a field with a line break is quoted, and a short row reads its missing fields as empty", () => {
  const csv = toCsv(["a", "b"], [{ a: "two\nlines", b: "plain" }]);
  assert.equal(csv, 'a,b\n"two\nlines",plain\n');
  assert.deepEqual(parseCsv(csv), [{ a: "two\nlines", b: "plain" }]);
  assert.deepEqual(parseCsv("a,b,c\n1\n"), [{ a: "1", b: "", c: "" }]);
  assert.deepEqual(parseCsv(""), []);
});

Deno.test("results files read back and written out again are the same bytes", async () => {
  // Lines of a real quick run's one_shot.csv and verification.csv (empty cells included).
  const oneShot = [
    "experiment,method,dataset,protocol,ways,shots,trials,correct,accuracy,ci_low,ci_high,paper_accuracy",
    "baseline,1-nn-cosine,omniglot,lake-runs,20,1,400,88,22.00,18.22,26.32,21.70",
    "baseline,1-nn-cosine,omniglot,n-way,2,1,100,63,63.00,53.22,71.82,",
    "triplet,triplet-semi-hard,omniglot,koch-400,20,1,400,151,37.75,33.14,42.60,",
    "mnist,siamese-bce (ink-matched),mnist,mnist-400,10,1,400,205,51.25,46.36,56.11,70.30",
  ].join("\n") + "\n";
  const verification = [
    "experiment,method,train_pairs,distortions,test_pairs,accuracy,threshold,auc,eer,paper_accuracy",
    "siamese,siamese-bce,1209600,true,1000,82.50,0.1273,0.9180,16.80,",
    "siamese,siamese-bce-fixed-pairs,2000,true,1000,60.90,-0.0248,0.6498,38.60,91.90",
  ].join("\n") + "\n";
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/one_shot.csv`, oneShot);
  Deno.writeTextFileSync(`${dir}/verification.csv`, verification);
  const rows = {
    oneShot: await readOneShot(dir),
    verification: await readVerification(dir),
  };
  assert.equal(rows.oneShot[1].paper_accuracy, undefined);
  assert.equal(rows.verification[0].distortions, true);
  const out = Deno.makeTempDirSync();
  await writeRows(out, [], rows);
  assert.equal(Deno.readTextFileSync(`${out}/one_shot.csv`), oneShot);
  assert.equal(Deno.readTextFileSync(`${out}/verification.csv`), verification);
});
