import assert from "node:assert/strict";
import { selectBackend } from "../lib/backends/select.ts";
import type { ImageSet } from "../lib/data/images.ts";
import type { OneShotTask } from "../lib/episodes/one_shot.ts";
import { EmbeddingCache } from "../lib/evaluation/embedding_eval.ts";
import { oneShotRow } from "../lib/evaluation/rows.ts";
import { scoreOneShot } from "../lib/evaluation/one_shot.ts";
import { squaredL2 } from "../lib/distances/squared_l2.ts";
import { baselineRows } from "../lib/experiments/baseline.ts";
import { transferRows } from "../lib/experiments/mnist.ts";
import { beyondRows } from "../lib/experiments/ensemble.ts";
import { SIAMESE_METHOD, tripletMethod } from "../lib/experiments/model_store.ts";
import { tripletOneShotRows } from "../lib/experiments/triplet.ts";
import { PAPER_ONE_SHOT, PAPER_TABLE2 } from "../lib/paper.ts";
import type { OneShotRow } from "../lib/report/tables.ts";

await selectBackend("cpu"); // triplet rows score distances with tfjs

/** A bank of `count` 2x2 images, image i all pixels i / count. */
function bank(count: number): ImageSet {
  const pixels = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) pixels.fill(i / count, 4 * i, 4 * i + 4);
  return { size: 2, count, pixels };
}

/** One trial of `ways` candidates: query image 0, candidates 1..ways. */
function task(
  protocol: OneShotTask["protocol"],
  dataset: OneShotTask["dataset"],
  ways: number,
): OneShotTask {
  const support = Array.from({ length: ways }, (_, i) => i + 1);
  return {
    protocol,
    dataset,
    ways,
    shots: 1,
    bank: bank(ways + 1),
    trials: [{ query: 0, support, answer: 0, group: "g" }],
  };
}

const omniglot = {
  lakeRuns: task("lake-runs", "omniglot", 20),
  koch400: task("koch-400", "omniglot", 20),
  nWay: [2, 5, 10, 20].map((n) => task("n-way", "omniglot", n)),
};
const mnist = task("mnist-400", "mnist", 10);

/**
 * What the paper reports for a row, written out from its text independently of lib/paper.ts:
 * Table 2 (20-way within-alphabet, which lake-runs, koch-400 and the n-way curve's N = 20
 * point measure) and section 4.4 (MNIST 10-way). The paper trains no triplet-loss net.
 */
function paperNumber(row: OneShotRow): number | undefined {
  // Shifted views and ensembles are not the paper's methods, whatever their members.
  if (row.experiment === "ensemble") return undefined;
  const family = row.method.startsWith("1-nn")
    ? "1-nn"
    : row.method.startsWith("siamese")
    ? "siamese"
    : undefined;
  if (family === undefined) return undefined;
  if (row.dataset === "omniglot" && row.ways === 20) return family === "1-nn" ? 21.7 : 92.0;
  if (row.dataset === "mnist" && row.ways === 10) return family === "1-nn" ? 26.5 : 70.3;
  return undefined;
}

/** Every one-shot row the experiments make, from their own row builders. */
function everyRow(): OneShotRow[] {
  const all = [omniglot.lakeRuns, omniglot.koch400, ...omniglot.nWay, mnist];
  const cache = new EmbeddingCache({ dimension: 4, embed: (images) => images.pixels.slice() });
  const model = (method: string, paperFamily?: "siamese") => ({
    method,
    experiment: paperFamily ?? "triplet",
    paperFamily,
    dir: "",
    scores: (t: OneShotTask) => t.trials.map((trial) => trial.support.map((s) => -s)),
    viewScores: (t: OneShotTask) => t.trials.map((trial) => trial.support.map((s) => s % 3)),
    dispose: () => {},
  });
  return [
    ...all.flatMap((t) => baselineRows(t)),
    // The Siamese experiment's rows are built like this (lib/experiments/siamese.ts).
    ...[omniglot.lakeRuns, omniglot.koch400, ...omniglot.nWay].map((t) =>
      oneShotRow(scoreOneShot(t, t.trials.map(() => new Array(t.ways).fill(0))), {
        experiment: "siamese",
        method: SIAMESE_METHOD,
        paperFamily: "siamese",
      })
    ),
    ...["batch-hard", "semi-hard"].flatMap((miner) =>
      tripletOneShotRows(omniglot, { cache, distance: squaredL2, method: tripletMethod(miner) })
    ),
    ...transferRows(
      [model(SIAMESE_METHOD, "siamese"), model("triplet-batch-hard"), model("triplet-semi-hard")],
      mnist,
      mnist,
    ),
    ...beyondRows(
      [model(SIAMESE_METHOD, "siamese"), model("triplet-batch-hard"), model("triplet-semi-hard")],
      [omniglot.lakeRuns, omniglot.koch400, mnist],
    ),
  ];
}

Deno.test("the paper's table that rows are compared with is the paper's", () => {
  const table2 = Object.fromEntries(PAPER_TABLE2.map((r) => [r.method, r.accuracy]));
  assert.equal(PAPER_ONE_SHOT["1-nn/omniglot/20"], table2["1-Nearest Neighbor"]);
  assert.equal(PAPER_ONE_SHOT["siamese/omniglot/20"], table2["Convolutional Siamese Net"]);
  assert.deepEqual(PAPER_ONE_SHOT, {
    "1-nn/omniglot/20": 21.7,
    "siamese/omniglot/20": 92.0,
    "1-nn/mnist/10": 26.5,
    "siamese/mnist/10": 70.3,
  });
});

Deno.test("every one-shot row carries the paper's number for its own method, and no triplet row one", () => {
  const rows = everyRow();
  const triplet = rows.filter((r) => r.method.startsWith("triplet"));
  // 2 miners x (6 Omniglot + 2 MNIST) rows; on 3 protocols, their views rows and the ensemble of
  // the two with and without views.
  assert.equal(
    triplet.length,
    2 * 6 + 2 * 2 + 3 * (2 + 2),
    "triplet rows on Omniglot and MNIST were made",
  );
  const ensemble = rows.filter((r) => r.experiment === "ensemble");
  assert.ok(ensemble.some((r) => r.method === "siamese-bce + views"), "views rows were made");
  for (const r of ensemble) assert.equal(r.paper_accuracy, undefined, r.method);
  for (const r of triplet) {
    assert.equal(r.paper_accuracy, undefined, `${r.experiment} ${r.method} ${r.protocol}`);
  }
  for (const r of rows) {
    assert.equal(
      r.paper_accuracy,
      paperNumber(r),
      `${r.experiment} ${r.method} ${r.dataset} ${r.protocol} ${r.ways}-way`,
    );
  }
  assert.ok(
    rows.some((r) => r.paper_accuracy === 92.0) && rows.some((r) => r.paper_accuracy === 70.3),
  );
});
