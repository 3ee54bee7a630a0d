import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { NormalizedSoftmax } from "../../lib/losses/normalized_softmax.ts";
import { Rng } from "../../lib/rng.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

function near(actual: number, expected: number, tol = 1e-4): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);
}

Deno.test("normalised softmax: cross-entropy of scaled cosines to the unit proxies", () => {
  const head = new NormalizedSoftmax({ classes: 3, dimension: 2, scale: 4, rng: new Rng(1) });
  // Proxies (columns) of lengths 2, 1 and 3: normalised they point at 0, 90 and 180 degrees.
  head.model.setWeights([tf.tensor2d([[2, 0, -3], [0, 1, 0]])]);
  const e = [[1, 0], [0.6, 0.8]];
  const labels = [0, 1];
  // Row i's logits: 4 * cosines to the unit proxies; the loss is the mean of -log softmax.
  const cos = [[1, 0, -1], [0.6, 0.8, -0.6]];
  const expected = cos.map((row, i) => {
    const z = row.map((c) => 4 * c);
    return Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[labels[i]];
  }).reduce((s, v) => s + v, 0) / 2;
  near(tf.tidy(() => head.loss(tf.tensor2d(e), labels).dataSync()[0]), expected);
  head.dispose();
});

Deno.test("normalised softmax: gradient steps on the proxies lower the loss", () => {
  const head = new NormalizedSoftmax({ classes: 4, dimension: 3, scale: 8, rng: new Rng(2) });
  const e = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0, 0.8]]);
  const labels = [0, 1, 2, 3];
  const proxies = head.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const value = () => tf.tidy(() => head.loss(e, labels).dataSync()[0]);
  const before = value();
  const sgd = tf.train.sgd(0.5);
  for (let i = 0; i < 20; i++) {
    tf.tidy(() => {
      sgd.minimize(() => head.loss(e, labels), false, proxies);
    });
  }
  const after = value();
  assert.ok(after < before / 2, `loss ${before} -> ${after}`);
  sgd.dispose();
  e.dispose();
  head.dispose();
});

Deno.test("normalised softmax refuses labels outside its classes and bad settings", () => {
  const head = new NormalizedSoftmax({ classes: 2, dimension: 2, scale: 1, rng: new Rng(3) });
  assert.throws(() => head.loss(tf.tensor2d([[1, 0]]), [2]), /label 2 outside \[0, 2\)/);
  assert.throws(() => head.loss(tf.tensor2d([[1, 0]]), [0, 1]), /2 labels for 1 embeddings/);
  head.dispose();
  assert.throws(
    () => new NormalizedSoftmax({ classes: 2, dimension: 2, scale: 0, rng: new Rng(1) }),
    /scale must be a positive number/,
  );
});

Deno.test("normalised softmax: the proxies start about unit length whatever the dimension", () => {
  for (const dimension of [16, 128]) {
    const head = new NormalizedSoftmax({ classes: 200, dimension, scale: 16, rng: new Rng(4) });
    const w = head.model.getWeights()[0];
    const meanNorm = tf.tidy(() => tf.mean(tf.norm(w, "euclidean", 0)).dataSync()[0]);
    assert.ok(
      Math.abs(meanNorm - 1) < 0.1,
      `dimension ${dimension}: mean proxy length ${meanNorm}`,
    );
    head.dispose();
  }
});
