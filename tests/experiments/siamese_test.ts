import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import {
  loadSiamese,
  SIAMESE_METHOD as METHOD,
  siameseDir,
  TABLE1_METHOD,
} from "../../lib/experiments/model_store.ts";
import { run } from "../../lib/experiments/siamese.ts";
import { buildSiameseHead, buildTower, countParams, KOCH_105 } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

await selectBackend("wasm");

Deno.test("the paper's net has 38,951,745 parameters, head included", () => {
  const rng = new Rng(1);
  const tower = buildTower(KOCH_105, rng);
  const head = buildSiameseHead(KOCH_105, rng);
  assert.equal(countParams(tower) + countParams(head), 38_951_745);
  tower.dispose();
  head.dispose();
});

/**
 * The quick profile reached 65.5% on lake-runs on the 2-core development machine (wasm, seed 1;
 * 46.75% before the focal weighting). 1-NN scores 22%, so the "at least 10 points above
 * 1-NN" is 32%; the floor sits between that and what was measured, to catch a regression.
 */
const LAKE_FLOOR = 50;

Deno.test({
  name:
    "the quick profile trains a Siamese net clearly above 1-NN on lake-runs, saves it, and reuses it on a second run",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const outDir = tempDir();
    const context = () =>
      experimentContext(config, "siamese", { backend: tf.getBackend(), outDir, quiet: true });
    const first = await run(context());

    const lake = first.oneShot.find((r) => r.protocol === "lake-runs")!;
    assert.equal(lake.method, METHOD);
    assert.equal(lake.trials, 400);
    assert.equal(lake.paper_accuracy, 92.0);
    assert.ok(
      lake.accuracy >= LAKE_FLOOR,
      `lake-runs ${lake.accuracy}% is not clearly above 1-NN (floor ${LAKE_FLOOR}%)`,
    );
    assert.ok(first.oneShot.some((r) => r.protocol === "koch-400" && r.trials === 400));
    assert.deepEqual(
      first.oneShot.filter((r) => r.protocol === "n-way").map((r) => r.ways),
      config.evaluation.nWays,
    );

    const main = first.verification.find((r) => r.method === METHOD)!;
    assert.equal(main.test_pairs, config.evaluation.verificationPairs);
    assert.ok(
      main.accuracy > 50 && main.auc! > 0.5,
      `verification ${main.accuracy}% AUC ${main.auc}`,
    );
    const table1 = first.verification.filter((r) => r.method === TABLE1_METHOD);
    assert.equal(
      table1.length,
      config.siamese.table1.trainPairs.length * config.siamese.table1.distortions.length,
    );

    assert.deepEqual(first.figures.map((f) => f.name).sort(), [
      "siamese_n_way",
      "siamese_training",
    ]);
    assert.equal(first.details.reused, false);

    // The saved model reloads, and a second run with the same configuration evaluates it without training.
    const saved = await loadSiamese(siameseDir(outDir));
    assert.equal(saved.meta.configHash, first.details.configHash);
    saved.net.tower.dispose();
    saved.net.head.dispose();
    const second = await run(context());
    assert.equal(second.details.reused, true);
    assert.deepEqual(second.oneShot, first.oneShot);
    assert.deepEqual(second.verification, first.verification);
    await Deno.remove(outDir, { recursive: true });
  },
});
