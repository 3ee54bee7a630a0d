import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { siameseSimilarity } from "../../lib/evaluation/siamese_scores.ts";
import { headKind } from "../../lib/models/cosine_head.ts";
import { buildSiamese, disposeNet } from "../../lib/models/siamese_net.ts";
import { Rng } from "../../lib/rng.ts";
import { TINY_TOWER } from "../helpers.ts";
import { loadLayersModel, saveLayersModel } from "../../lib/training/model_io.ts";
import { pairLogits } from "../../lib/training/siamese_loss.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

function images(n: number): tf.Tensor4D {
  const rng = new Rng(3);
  return tf.tensor4d(Float32Array.from({ length: n * 144 }, () => rng.next()), [n, 12, 12, 1]);
}

const cosine = (a: number[], b: number[]) =>
  a.reduce((s, v, j) => s + v * b[j], 0) / (Math.hypot(...a) * Math.hypot(...b));

Deno.test("the cosine head starts as 10 cos - 5 on unit features, in training and in evaluation alike", () => {
  const net = buildSiamese(TINY_TOWER, new Rng(1), { head: "cosine" });
  assert.equal(headKind(net.head), "cosine");
  const x = images(3);
  const features = net.tower.predict(x) as tf.Tensor2D;
  const rows = features.arraySync();
  for (const row of rows) assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5, "unit features");
  // pairs (0, 1) and (2, 0)
  const difference = tf.tensor2d([[1, -1, 0], [-1, 0, 1]]);
  const logits = pairLogits(net.head, features, difference).dataSync();
  const expected = [10 * cosine(rows[0], rows[1]) - 5, 10 * cosine(rows[2], rows[0]) - 5];
  for (let p = 0; p < 2; p++) assert.ok(Math.abs(logits[p] - expected[p]) < 1e-4, `pair ${p}`);
  // The evaluation's similarity (plain JS) is the same logit.
  const similarity = siameseSimilarity(net);
  const f = rows.map((r) => Float32Array.from(r));
  assert.ok(Math.abs(similarity(f[0], f[1]) - expected[0]) < 1e-4);
  assert.ok(Math.abs(similarity(f[2], f[0]) - expected[1]) < 1e-4);
  tf.dispose([x, features, difference]);
  disposeNet(net);
});

Deno.test("the paper's head stays the weighted L1 unless the cosine head is asked for", () => {
  const net = buildSiamese(TINY_TOWER, new Rng(1));
  assert.equal(headKind(net.head), "weighted-l1");
  const features = tf.tensor2d([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]]);
  const [kernel, bias] = net.head.getWeights().map((w) => w.dataSync());
  const a = features.arraySync();
  const l1 = bias[0] + a[0].reduce((s, v, j) => s + kernel[j] * Math.abs(v - a[1][j]), 0);
  const logit = pairLogits(net.head, features, tf.tensor2d([[1, -1]])).dataSync()[0];
  assert.ok(Math.abs(logit - l1) < 1e-5);
  disposeNet(net);
});

Deno.test("a saved cosine head loads as the cosine head", async () => {
  const net = buildSiamese(TINY_TOWER, new Rng(2), { head: "cosine" });
  const dir = await Deno.makeTempDir();
  try {
    await saveLayersModel(net.head, `${dir}/head`);
    const head = await loadLayersModel(`${dir}/head`);
    assert.equal(headKind(head), "cosine");
    head.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
    disposeNet(net);
  }
});
