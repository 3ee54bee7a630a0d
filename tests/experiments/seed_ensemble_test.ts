import assert from "node:assert/strict";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import {
  ensembleMethod,
  memberMethod,
  scoreSeedEnsembles,
  seedEnsembleRows,
} from "../../lib/experiments/seed_ensemble.ts";
import { fakeModel, twoTrials } from "./fake_models.ts";
import { seedEnsembleTable } from "../../lib/report/seed_ensemble_table.ts";
import { tempDir } from "../helpers.ts";

/** The same trials under lake-runs' name, so rows of two tasks can be told apart. */
const lake: OneShotTask = { ...twoTrials, protocol: "lake-runs", dataset: "omniglot" };

/** A fake triplet net scoring each trial as given, with views as given (default: the same). */
function model(method: string, plain: number[][], views: number[][] = plain) {
  return fakeModel(method, "triplet", plain, views);
}

Deno.test("seed ensembles: each seed alone, the seeds together, and with views, per model and task", () => {
  // Seed 1 gets trial 1 right with a strong preference and trial 2 wrong by a hair; seed 2 the
  // reverse. Alone each is half right; together both trials go right.
  const seed1 = model("triplet-batch-hard", [[9, 0, 0], [0, 0.1, 0]], [[0, 1, 0], [0, 1, 0]]);
  const seed2 = model("triplet-batch-hard", [[0, 0.1, 0], [9, 0, 0]], [[0, 1, 0], [0, 1, 0]]);
  // The Siamese net was saved by seed 1 only: no ensemble of it.
  const siamese = model("siamese-bce", [[1, 0, 0], [1, 0, 0]]);
  const rows = seedEnsembleRows([
    { seed: 1, models: [siamese, seed1] },
    { seed: 2, models: [seed2] },
  ], [twoTrials, lake]);
  assert.deepEqual(rows.map((r) => [r.protocol, r.method, r.accuracy]), [
    ["koch-val", "triplet-batch-hard, seed 1", 50],
    ["koch-val", "triplet-batch-hard, seed 2", 50],
    ["koch-val", "triplet-batch-hard, seeds 1+2", 100],
    ["koch-val", "triplet-batch-hard, seeds 1+2 + views", 0],
    ["lake-runs", "triplet-batch-hard, seed 1", 50],
    ["lake-runs", "triplet-batch-hard, seed 2", 50],
    ["lake-runs", "triplet-batch-hard, seeds 1+2", 100],
    ["lake-runs", "triplet-batch-hard, seeds 1+2 + views", 0],
  ]);
  assert.ok(rows.every((r) => r.experiment === "seed-ensemble" && r.paper_accuracy === undefined));
  assert.equal(memberMethod("m", 3), "m, seed 3");
  assert.equal(ensembleMethod("m", [3, 1]), "m, seeds 3+1");
  assert.throws(() => seedEnsembleRows([{ seed: 1, models: [seed1] }], [twoTrials]), /two seeds/);

  const table = seedEnsembleTable(rows);
  assert.match(table, /^\| model \| koch-val \| lake-runs \|$/m);
  assert.match(
    table,
    /^\| triplet-batch-hard, seeds 1\+2 \| 100\.00 \[\d+\.\d, 100\.0\] \| 100\.00 \[\d+\.\d, 100\.0\] \|$/m,
  );
  assert.equal(table.split("\n").length, 2 + 4);
});

Deno.test("seed ensembles: a seed folder without saved models scores nothing and starts no backend", async () => {
  const out = tempDir();
  Deno.mkdirSync(`${out}/seed-1/models`, { recursive: true });
  Deno.mkdirSync(`${out}/seed-2`, { recursive: true });
  let selected = 0;
  const rows = await scoreSeedEnsembles(
    [{ seed: 1, dir: `${out}/seed-1` }, { seed: 2, dir: `${out}/seed-2` }],
    ["batch-hard"],
    () => Promise.resolve(selected++),
  );
  assert.equal(rows, undefined);
  assert.equal(selected, 0);
});
