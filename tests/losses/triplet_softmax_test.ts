import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { TripletSoftmaxLoss } from "../../lib/losses/triplet_softmax.ts";
import { SoftMarginLoss } from "../../lib/losses/soft_margin.ts";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import { batchAllMiner } from "../../lib/miners/batch_all.ts";
import { batchHardMiner } from "../../lib/miners/batch_hard.ts";
import { Rng } from "../../lib/rng.ts";
import { LABELS, POINTS, SQUARED } from "../distances/fixtures.ts";

// wasm: the backend that trains, where the segment sum's gradient must exist too.
await selectBackend("wasm");

function near(actual: number, expected: number, tol = 1e-4): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);
}

Deno.test("softmax loss with batch-all: each anchor's positive against every negative, by hand", () => {
  const scale = 0.5;
  // Every (anchor, positive) pair of the fixture has the two points of the other class as its
  // negatives: ln(1 + sum_n e^(s (d_ap - d_an))), less ln(1 + 2) - ln 2, averaged over 4 pairs.
  const expected = [[0, 1], [1, 0], [2, 3], [3, 2]].map(([a, p]) => {
    const negatives = [0, 1, 2, 3].filter((q) => LABELS[q] !== LABELS[a]);
    const sum = negatives.reduce(
      (s, q) => s + Math.exp(scale * (SQUARED[a][p] - SQUARED[a][q])),
      0,
    );
    return Math.log1p(sum) - Math.log(3) + Math.LN2;
  }).reduce((s, v) => s + v, 0) / 4;
  const loss = new TripletSoftmaxLoss({ distance: squaredL2, scale });
  const value = tf.tidy(() =>
    loss.compute(tf.tensor2d(POINTS), LABELS, batchAllMiner).loss.dataSync()[0]
  );
  near(value, expected);
});

Deno.test("softmax loss with one negative a group is the soft-margin loss, scaled", () => {
  const points = tf.tensor2d(POINTS);
  const softmax = new TripletSoftmaxLoss({ distance: squaredL2, scale: 1 });
  const soft = new SoftMarginLoss({ distance: squaredL2 });
  const [a, b] = tf.tidy(() => [
    softmax.compute(points, LABELS, batchHardMiner).loss.dataSync()[0],
    soft.compute(points, LABELS, batchHardMiner).loss.dataSync()[0],
  ]);
  near(a, b);
  points.dispose();
});

Deno.test("softmax loss reads ln 2 on a collapsed embedding whatever the group size", () => {
  const loss = new TripletSoftmaxLoss({ distance: squaredL2, scale: 5 });
  const labels = [0, 0, 0, 1, 1, 2, 2, 2];
  const same = tf.tensor2d(labels.map(() => [0.6, 0.8]));
  for (const miner of [batchAllMiner, batchHardMiner]) {
    near(tf.tidy(() => loss.compute(same, labels, miner).loss.dataSync()[0]), Math.LN2);
  }
  same.dispose();
  assert.throws(() => new TripletSoftmaxLoss({ distance: squaredL2, scale: 0 }), /scale must be/);
});

Deno.test("gradient descent on free unit embeddings lowers the batch-all softmax loss", () => {
  const rng = new Rng(7);
  const labels = Array.from({ length: 12 }, (_, i) => Math.floor(i / 3));
  const x = tf.variable(
    tf.tensor2d(Array.from({ length: 12 }, () => Array.from({ length: 8 }, () => rng.normal()))),
  );
  const loss = new TripletSoftmaxLoss({ distance: squaredL2, scale: 5 });
  const unit = () => tf.div(x, tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D;
  const value = () => tf.tidy(() => loss.compute(unit(), labels, batchAllMiner).loss.dataSync()[0]);
  const first = value();
  const optimizer = tf.train.adam(0.05);
  for (let step = 0; step < 100; step++) {
    tf.tidy(() => {
      optimizer.minimize(() => loss.compute(unit(), labels, batchAllMiner).loss);
    });
  }
  const last = value();
  assert.ok(last < first - 1, `loss ${first} -> ${last}`);
  // Each point's nearest other point is now of its own class.
  const d = tf.tidy(() => squaredL2.pairwise(unit()).arraySync() as number[][]);
  for (let i = 0; i < 12; i++) {
    const nearest = d[i].map((v, j) => (j === i ? Infinity : v)).indexOf(
      Math.min(...d[i].filter((_, j) => j !== i)),
    );
    assert.equal(labels[nearest], labels[i], `point ${i}`);
  }
  x.dispose();
  optimizer.dispose();
});
