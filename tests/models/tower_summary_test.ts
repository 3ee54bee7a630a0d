import { selectBackend } from "../../lib/backends/select.ts";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import {
  buildSiameseHead,
  buildTower,
  countParams,
  KOCH_105,
  STANDARD_35,
  type TowerSpec,
} from "../../lib/models/koch.ts";
import { towerSummary } from "../../lib/models/tower_summary.ts";
import { Rng } from "../../lib/rng.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

Deno.test("the paper's net with its head has 38,951,745 parameters, layer by layer as Figure 4 draws it", () => {
  const rows = towerSummary(KOCH_105, { head: true });
  const byLayer = Object.fromEntries(rows.map((r) => [r.layer, r]));
  assert.equal(byLayer.total.params, 38_951_745);
  // conv1: 64 filters of 10x10x1 plus biases; 105 - 10 + 1 = 96.
  assert.deepEqual(byLayer.conv1, {
    layer: "conv1",
    kind: "conv 64@10x10, ReLU",
    output: "96x96x64",
    params: 6_464,
  });
  assert.equal(byLayer.pool1.output, "48x48x64");
  assert.equal(byLayer.conv4.output, "6x6x256");
  assert.equal(byLayer.pool4, undefined, "the last convolution is not pooled");
  assert.equal(byLayer.flatten.output, "9216");
  assert.equal(byLayer.features.params, 9_216 * 4_096 + 4_096);
  assert.equal(byLayer.weighted_l1.params, 4_097);
  assert.equal(rows.at(-1)!.layer, "total");
});

Deno.test("without the head the summary stops at the feature layer", () => {
  const rows = towerSummary(KOCH_105);
  assert.equal(rows.at(-2)!.layer, "features");
  assert.equal(rows.at(-1)!.params, 38_951_745 - 4_097);
});

Deno.test("the summary counts what the built models count, batch norm included", () => {
  const specs: TowerSpec[] = [
    profileConfig("quick").siamese.tower,
    STANDARD_35,
    { ...STANDARD_35, name: "plain", batchNorm: false, init: "koch" },
  ];
  for (const spec of specs) {
    const tower = buildTower(spec, new Rng(1));
    const head = buildSiameseHead(spec, new Rng(2));
    const rows = towerSummary(spec, { head: true });
    assert.equal(rows.at(-1)!.params, countParams(tower) + countParams(head), spec.name);
    // Every layer of the built tower appears, in order (the head is a model of its own).
    const names = rows.map((r) => r.layer).filter((n) =>
      !["input", "weighted_l1", "total"].includes(n)
    );
    assert.deepEqual(
      names,
      tower.layers.map((l) => l.name).filter((n) => !n.startsWith("relu")),
      spec.name,
    );
    tower.dispose();
    head.dispose();
  }
});
