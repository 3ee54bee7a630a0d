import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/config.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { baselineRows, run } from "../../lib/experiments/baseline.ts";
import { Rng } from "../../lib/rng.ts";
import { NO_OMNIGLOT } from "../helpers.ts";

Deno.test({
  name:
    "1-NN on the official runs at 105x105 reproduces the independent run (cosine 21.75%, L2 19.00%)",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    config.evaluation.imageSize = 105;
    const data = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
    const rows = baselineRows((await data.tasks()).lakeRuns);
    const by = Object.fromEntries(rows.map((r) => [r.method, r]));
    assert.equal(by["1-nn-cosine"].accuracy, 21.75);
    assert.equal(by["1-nn-l2"].accuracy, 19.0);
    assert.equal(by["1-nn-cosine"].trials, 400);
    assert.equal(by["1-nn-cosine"].paper_accuracy, 21.7);
  },
});

Deno.test({
  name: "the quick baseline writes rows for every protocol, inside the bounds of real runs",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const data = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
    const result = await run({
      config,
      rng: new Rng(1),
      data,
      backend: "none",
      outDir: "/tmp/unused",
      log: () => {},
    });
    const protocols = new Set(result.oneShot.map((r) => r.protocol));
    assert.deepEqual([...protocols].sort(), ["koch-400", "lake-runs", "mnist-400", "n-way"]);
    const lake = result.oneShot.filter((r) => r.protocol === "lake-runs");
    for (const r of lake) {
      assert.ok(r.accuracy >= 15 && r.accuracy <= 30, `${r.method} lake-runs ${r.accuracy}`);
    }
    const mnist = result.oneShot.filter((r) => r.dataset === "mnist");
    for (const r of mnist) {
      assert.ok(r.accuracy >= 15 && r.accuracy <= 55, `${r.method} mnist ${r.accuracy}`);
    }
    // The n-way curve falls with N and stays above chance.
    const curve = result.oneShot.filter((r) => r.protocol === "n-way" && r.method === "1-nn-cosine")
      .sort((a, b) => a.ways - b.ways);
    assert.ok(curve[0].accuracy > curve.at(-1)!.accuracy);
    for (const r of curve) assert.ok(r.accuracy > 100 / r.ways, `N=${r.ways}: ${r.accuracy}`);
  },
});
