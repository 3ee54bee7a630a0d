import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { beyondRows, ensembles, run } from "../../lib/experiments/ensemble.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import { fakeModel, twoTrials } from "./fake_models.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

Deno.test("ensembles: the triplet miners together, and all models when others were saved", () => {
  const bh = fakeModel("triplet-batch-hard", "triplet", [], []);
  const sh = fakeModel("triplet-semi-hard", "triplet", [], []);
  const si = fakeModel("siamese-bce", "siamese", [], []);
  assert.deepEqual(ensembles([bh, sh, si]), [
    { method: "triplet-batch-hard + triplet-semi-hard", members: [bh.method, sh.method] },
    { method: "all 3 models", members: [bh.method, sh.method, si.method] },
  ]);
  assert.deepEqual(ensembles([bh, sh]).map((e) => e.method), [
    "triplet-batch-hard + triplet-semi-hard",
  ]);
  assert.deepEqual(ensembles([bh, si]).map((e) => e.method), ["all 2 models"]);
  assert.deepEqual(ensembles([si]), []);
});

Deno.test("beyond rows: each model with views, each ensemble with and without, scored per task", () => {
  // Model a gets trial 1 right, model b trial 2; with views each gets both right. Together, b's
  // strong preference in trial 2 and a's in trial 1 make the ensemble right in both.
  const bothRight = [[1, 0, 0], [1, 0, 0]];
  const a = fakeModel("triplet-batch-hard", "triplet", [[9, 0, 0], [0, 0.1, 0]], bothRight);
  const b = fakeModel("triplet-semi-hard", "triplet", [[0, 0.1, 0], [9, 0, 0]], bothRight);
  const rows = beyondRows([a, b], [twoTrials]);
  const accuracy = Object.fromEntries(rows.map((r) => [r.method, r.accuracy]));
  assert.deepEqual(accuracy, {
    "triplet-batch-hard + views": 100,
    "triplet-semi-hard + views": 100,
    "triplet-batch-hard + triplet-semi-hard": 100,
    "triplet-batch-hard + triplet-semi-hard + views": 100,
  });
  assert.ok(rows.every((r) => r.experiment === "ensemble" && r.protocol === "koch-val"));
  assert.ok(rows.every((r) => r.paper_accuracy === undefined));
  // Each model alone is half right: the ensemble row is not a copy of a member's.
  const single = beyondRows([
    fakeModel("x", "triplet", [[9, 0, 0], [0, 0.1, 0]], [[0, 1, 0], [0, 1, 0]]),
  ], [twoTrials]);
  assert.deepEqual(single.map((r) => [r.method, r.accuracy]), [["x + views", 0]]);
});

Deno.test({
  name: "the ensemble experiment needs saved models, and a one-shot-only slice skips it",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const outDir = tempDir();
    await assert.rejects(
      () => run(experimentContext(config, "ensemble", { outDir, quiet: true })),
      /no one-shot model under .*models\/; run the siamese, triplet or same-tower experiment/,
    );
    config.slice = { evaluation: "one-shot", skipped: [] } as unknown as typeof config.slice;
    const skipped = await run(experimentContext(config, "ensemble", { outDir, quiet: true }));
    assert.deepEqual(skipped.oneShot, []);
    assert.match(String((skipped.details as { skipped: string[] }).skipped), /one-shot-only slice/);
  },
});
