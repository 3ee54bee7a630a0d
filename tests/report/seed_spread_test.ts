import assert from "node:assert/strict";
import {
  type SeedRows,
  seedSpread,
  seedSpreadCsv,
  seedSpreadTable,
} from "../../lib/report/seed_spread.ts";
import type { OneShotRow, VerificationRow } from "../../lib/report/tables.ts";
import { parseCsv } from "../../lib/report/tables.ts";
import { omniglotRow } from "./rows.ts";

function oneShot(method: string, protocol: string, accuracy: number): OneShotRow {
  const experiment = method.startsWith("triplet") ? "triplet" : "siamese";
  return omniglotRow(experiment, method, protocol, accuracy, {
    ci_low: accuracy - 5,
    ci_high: accuracy + 5,
    paper_accuracy: 92,
  });
}

function verification(method: string, accuracy: number): VerificationRow {
  return {
    experiment: method.startsWith("triplet") ? "triplet" : "siamese",
    method,
    train_pairs: 1000,
    distortions: true,
    test_pairs: 1000,
    accuracy,
    threshold: 0.5,
  };
}

/** One seed's rows: the accuracies given, plus rows that must not be picked up. */
function seed(
  seed: number,
  acc: {
    siameseLake: number;
    siameseKoch: number;
    tripletLake: number;
    tripletVal: number;
    verification: number;
  },
): SeedRows {
  return {
    seed,
    oneShot: [
      oneShot("1-nn-cosine", "lake-runs", 20),
      oneShot("siamese-bce", "lake-runs", acc.siameseLake),
      oneShot("siamese-bce", "koch-400", acc.siameseKoch),
      oneShot("siamese-bce", "n-way", 99),
      oneShot("triplet-batch-hard", "lake-runs", acc.tripletLake),
      oneShot("triplet-batch-hard", "koch-val", acc.tripletVal),
      oneShot("triplet-batch-hard + views", "koch-val", 99),
      oneShot("triplet-semi-hard", "lake-runs", 1),
    ],
    verification: [
      verification("siamese-bce-fixed-pairs", 50),
      verification("siamese-bce", acc.verification),
    ],
  };
}

const SEEDS = [
  seed(1, {
    siameseLake: 64,
    siameseKoch: 46,
    tripletLake: 46.25,
    tripletVal: 80,
    verification: 82.5,
  }),
  seed(2, {
    siameseLake: 66,
    siameseKoch: 46,
    tripletLake: 50.25,
    tripletVal: 82,
    verification: 80.5,
  }),
  seed(7, {
    siameseLake: 71,
    siameseKoch: 46,
    tripletLake: 48.25,
    tripletVal: 84,
    verification: 81.5,
  }),
];

Deno.test("seedSpread: mean, sample sd, min and max per model and protocol, by hand", () => {
  const rows = seedSpread(SEEDS);
  const find = (model: string, protocol: string) =>
    rows.find((r) => r.model === model && r.protocol === protocol);
  // 64, 66, 71: mean 67; deviations -3, -1, 4, squares 26, / (3 - 1) = 13.
  const lake = find("siamese", "lake-runs")!;
  assert.deepEqual(lake.accuracies, [
    { seed: 1, accuracy: 64 },
    { seed: 2, accuracy: 66 },
    { seed: 7, accuracy: 71 },
  ]);
  assert.equal(lake.mean, 67);
  assert.ok(Math.abs(lake.sd - Math.sqrt(13)) < 1e-12, String(lake.sd));
  assert.equal(lake.min, 64);
  assert.equal(lake.max, 71);
  // Equal values: sd 0.
  assert.equal(find("siamese", "koch-400")!.sd, 0);
  // 46.25, 50.25, 48.25: mean 48.25, squares 4 + 4 + 0 = 8, / 2 = 4, sd 2.
  const triplet = find("triplet-batch-hard", "lake-runs")!;
  assert.equal(triplet.mean, 48.25);
  assert.ok(Math.abs(triplet.sd - 2) < 1e-12);
  // The main model's verification row, not Table 1's fixed-pool model: 82.5, 80.5, 81.5.
  const ver = find("siamese", "verification")!;
  assert.deepEqual(ver.accuracies.map((a) => a.accuracy), [82.5, 80.5, 81.5]);
  assert.equal(ver.mean, 81.5);
  assert.ok(Math.abs(ver.sd - 1) < 1e-12);
  // koch-val, the validation trials: the model's own row, not its shifted views' (99).
  const val = find("triplet-batch-hard", "koch-val")!;
  assert.deepEqual(val.accuracies.map((a) => a.accuracy), [80, 82, 84]);
  assert.equal(val.mean, 82);
  assert.ok(Math.abs(val.sd - 2) < 1e-12);
  // The triplet model has no koch-400 or verification row here: left out, not averaged.
  assert.equal(find("triplet-batch-hard", "koch-400"), undefined);
  assert.equal(find("triplet-batch-hard", "verification"), undefined);
  assert.deepEqual(rows.map((r) => `${r.model}/${r.protocol}`), [
    "siamese/lake-runs",
    "siamese/koch-400",
    "siamese/verification",
    "triplet-batch-hard/lake-runs",
    "triplet-batch-hard/koch-val",
  ]);
});

Deno.test("seedSpread: a protocol one seed lacks is left out; one seed is refused", () => {
  const partial = [SEEDS[0], { ...SEEDS[1], verification: [] }];
  assert.ok(!seedSpread(partial).some((r) => r.protocol === "verification"));
  assert.throws(() => seedSpread([SEEDS[0]]), RangeError);
});

Deno.test("seeds.csv has one column per seed after the fixed ones; the table has every value", () => {
  const rows = seedSpread(SEEDS);
  const csv = seedSpreadCsv(rows, [1, 2, 7]);
  assert.equal(
    csv.split("\n")[0],
    "model,method,protocol,seeds,mean,sd,min,max,seed_1,seed_2,seed_7",
  );
  const lake = parseCsv(csv).find((r) => r.model === "siamese" && r.protocol === "lake-runs")!;
  assert.deepEqual(
    [lake.seeds, lake.mean, lake.sd, lake.min, lake.max, lake.seed_1, lake.seed_2, lake.seed_7],
    ["3", "67.00", "3.61", "64.00", "71.00", "64.00", "66.00", "71.00"],
  );
  const table = seedSpreadTable(rows, [1, 2, 7]);
  assert.match(
    table,
    /\| model \| protocol \| seed 1 \| seed 2 \| seed 7 \| mean \| sd \| min \| max \|/,
  );
  assert.match(
    table,
    /\| siamese \| lake-runs \| 64\.00 \| 66\.00 \| 71\.00 \| 67\.00 \| 3\.61 \| 64\.00 \| 71\.00 \|/,
  );
});
