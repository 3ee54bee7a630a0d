import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { buildSiamese, disposeNet } from "../../lib/models/siamese_net.ts";
import { Rng } from "../../lib/rng.ts";
import { TINY_TOWER } from "../helpers.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

function features(net: tfl.LayersModel): number[][] {
  const rng = new Rng(3);
  const x = tf.tensor4d(Float32Array.from({ length: 5 * 144 }, () => rng.next()), [5, 12, 12, 1]);
  const y = net.predict(x) as tf.Tensor2D;
  const rows = y.arraySync();
  tf.dispose([x, y]);
  return rows;
}

Deno.test("the Siamese tower ends in the paper's sigmoid features unless normalized features are asked for", () => {
  const plain = buildSiamese(TINY_TOWER, new Rng(1));
  for (const row of features(plain.tower)) {
    assert.equal(row.length, 6);
    for (const v of row) assert.ok(v > 0 && v < 1, `sigmoid feature ${v}`);
  }
  assert.equal(plain.tower.layers.some((l) => l.name === "l2_normalize"), false);

  const normalized = buildSiamese(TINY_TOWER, new Rng(1), { normalizedFeatures: true });
  assert.deepEqual(normalized.tower.layers.slice(-2).map((l) => l.name), [
    "embedding_bn",
    "l2_normalize",
  ]);
  for (const row of features(normalized.tower)) {
    assert.equal(row.length, 6);
    assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5, `norm ${Math.hypot(...row)}`);
    assert.ok(row.some((v) => v < 0), "linear features, not sigmoid");
  }
  // The head is the same weighted L1 over the same width either way.
  assert.deepEqual(
    normalized.head.getWeights().map((w) => w.shape),
    plain.head.getWeights().map((w) => w.shape),
  );
  disposeNet(plain);
  disposeNet(normalized);
});
