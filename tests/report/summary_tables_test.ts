import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/report/results.ts";
import {
  methodLabel,
  mnistTable,
  oneShotTable,
  paperTable1,
  paperTable2,
  runTable,
} from "../../lib/report/summary_tables.ts";
import type { VerificationRow } from "../../lib/report/tables.ts";
import { omniglotRow } from "./rows.ts";

const one = omniglotRow;

const verification = (
  method: string,
  train_pairs: number,
  distortions: boolean,
  accuracy: number,
  paper_accuracy?: number,
): VerificationRow => ({
  experiment: "siamese",
  method,
  train_pairs,
  distortions,
  test_pairs: 1000,
  accuracy,
  threshold: 0.5,
  auc: 0.95,
  eer: 10,
  paper_accuracy,
});

Deno.test("a method is labelled by its experiment unless they are the same word", () => {
  assert.equal(
    methodLabel({ experiment: "siamese", method: "siamese-bce" }),
    "siamese: siamese-bce",
  );
  assert.equal(methodLabel({ experiment: "x", method: "x" }), "x");
});

Deno.test("the one-shot table shows accuracy with its interval and the paper's number", () => {
  const [row] = oneShotTable([
    one("baseline", "1-nn-l2", "koch-400", 20.5, { paper_accuracy: 21.7 }),
  ]);
  assert.deepEqual(row, {
    method: "baseline: 1-nn-l2",
    dataset: "omniglot",
    protocol: "koch-400",
    ways: 20,
    trials: 400,
    "accuracy [95% CI]": "20.50 [16.5, 24.5]",
    paper: 21.7,
  });
});

Deno.test("Table 2 ranks our koch-400 rows among the paper's methods, with lake-runs beside them", () => {
  const rows = paperTable2([
    one("siamese", "siamese-bce", "koch-400", 70),
    one("siamese", "siamese-bce", "lake-runs", 72),
    one("siamese", "siamese-bce", "n-way", 99, { ways: 20 }),
    one("baseline", "1-nn-l2", "koch-400", 16.5),
  ]);
  // 9 paper rows and our 2 koch-400 rows (n-way and lake-runs rows are not ranked).
  assert.equal(rows.length, 11);
  const order = rows.map((r) => `${r.source}:${r.method}`);
  assert.deepEqual(order.slice(0, 2), [
    "paper:Humans",
    "paper:Hierarchical Bayesian Program Learning",
  ]);
  const ours = rows.findIndex((r) => r.method === "siamese: siamese-bce");
  // 70% sits between the affine model (81.8) and Hierarchical Deep (65.2).
  assert.equal(rows[ours - 1].method, "Affine model");
  assert.equal(rows[ours + 1].method, "Hierarchical Deep");
  assert.equal(rows[ours].accuracy, "70.00");
  assert.equal(rows[0].accuracy, "95.5");
  assert.equal(rows[ours]["lake-runs [95% CI]"], "72.00 [68.0, 76.0]");
  assert.equal(rows.at(-1)!.method, "baseline: 1-nn-l2");
  assert.equal(rows.at(-1)!["lake-runs [95% CI]"], "");
});

Deno.test("Table 1 puts our model at each of the paper's points beside the paper's accuracy", () => {
  const rows = paperTable1([
    verification("siamese-bce", 5_000_000, true, 88),
    verification("siamese-bce-fixed-pairs", 30_000, true, 85, 91.9),
    verification("siamese-bce-fixed-pairs", 2_000, true, 60),
  ]);
  assert.deepEqual(rows.map((r) => [r["train pairs"], r.distortions, r.paper, r.accuracy ?? ""]), [
    [2_000, "affine", undefined, 60],
    [30_000, "none", 90.61, ""],
    [30_000, "affine", 91.9, 85],
    [90_000, "none", 91.54, ""],
    [90_000, "affine", 93.15, ""],
    [150_000, "none", 91.63, ""],
    [150_000, "affine", 93.42, ""],
    [5_000_000, "affine", undefined, 88],
  ]);
  assert.equal(rows[2].method, "siamese: siamese-bce-fixed-pairs");
  assert.equal(rows[2].AUC, "0.9500");
});

Deno.test("the MNIST table keeps MNIST rows only, best first", () => {
  const mnist = (method: string, accuracy: number) =>
    one("mnist", method, "mnist-400", accuracy, {
      dataset: "mnist",
      ways: 10,
      paper_accuracy: 70.3,
    });
  const rows = mnistTable([
    one("siamese", "siamese-bce", "koch-400", 80),
    mnist("a", 40),
    mnist("b", 60),
  ]);
  assert.deepEqual(rows.map((r) => r.method), ["mnist: b", "mnist: a"]);
  assert.equal(rows[0].paper, 70.3);
});

Deno.test("the run table gives each experiment's backend, wall time and whether its models were reused", () => {
  const run = {
    experiments: {
      baseline: { status: "ok", seconds: 1.25, backend: "wasm", details: {} },
      siamese: { status: "ok", seconds: 75, backend: "wasm", details: { reused: true } },
      triplet: {
        status: "ok",
        seconds: 130,
        backend: "wasm",
        details: {
          models: {
            "triplet-batch-hard": { reused: false },
            "triplet-semi-hard": { reused: true },
          },
        },
      },
      mnist: { status: "failed", seconds: 0.5, backend: "wasm", error: "no model\nmore" },
    },
  } as unknown as RunRecord;
  assert.deepEqual(runTable(run), [
    { experiment: "baseline", status: "ok", backend: "wasm", "wall time": "1.3s", note: "" },
    {
      experiment: "siamese",
      status: "ok",
      backend: "wasm",
      "wall time": "1m15s",
      note: "saved model reused",
    },
    {
      experiment: "triplet",
      status: "ok",
      backend: "wasm",
      "wall time": "2m10s",
      note: "1 of 2 saved models reused",
    },
    {
      experiment: "mnist",
      status: "failed",
      backend: "wasm",
      "wall time": "0.5s",
      note: "no model",
    },
  ]);
});
