import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { TripletMarginLoss } from "../../lib/losses/triplet_margin.ts";
import { SoftMarginLoss } from "../../lib/losses/soft_margin.ts";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import { l2 } from "../../lib/distances/l2.ts";
import { batchHardMiner } from "../../lib/miners/batch_hard.ts";
import { batchAllMiner } from "../../lib/miners/batch_all.ts";
import { semiHardMiner } from "../../lib/miners/semi_hard.ts";
import { Rng } from "../../lib/rng.ts";
import { LABELS, POINTS, SQUARED } from "../distances/fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

function near(actual: number, expected: number, tol = 1e-4): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);
}

Deno.test("triplet margin loss averages over the triplets that violate the margin", () => {
  // Batch-hard triplets of the hand points: (0,1,2) 1-4+0.2 < 0, (1,0,3) 1-4+0.2 < 0,
  // (2,3,0) 13-4+0.2 = 9.2, (3,2,1) 13-4+0.2 = 9.2 -> mean over the two non-zero: 9.2.
  const loss = new TripletMarginLoss({ distance: squaredL2, margin: 0.2 });
  const out = tf.tidy(() => {
    const o = loss.compute(tf.tensor2d(POINTS), LABELS, batchHardMiner);
    return { value: o.loss.dataSync()[0], active: o.activeFraction, n: o.triplets.anchors.length };
  });
  near(out.value, 9.2);
  assert.equal(out.n, 4);
  assert.equal(out.active, 0.5);
  const all = new TripletMarginLoss({ distance: squaredL2, margin: 0.2, reduction: "all" });
  near(
    tf.tidy(() => all.compute(tf.tensor2d(POINTS), LABELS, batchHardMiner).loss.dataSync()[0]),
    4.6,
  );
});

Deno.test("triplet margin loss from a given distance matrix and triplets", () => {
  // (0,1,3): 1 - 9 + 10 = 2; (1,0,2): 1 - 5 + 10 = 6 -> mean 4.
  const loss = new TripletMarginLoss({ distance: squaredL2, margin: 10 });
  const triplets = {
    anchors: Int32Array.of(0, 1),
    positives: Int32Array.of(1, 0),
    negatives: Int32Array.of(3, 2),
  };
  near(tf.tidy(() => loss.fromDistances(tf.tensor2d(SQUARED), triplets).dataSync()[0]), 4);
});

Deno.test("a batch with no triplets, or none violating, has loss 0", () => {
  const loss = new TripletMarginLoss({ distance: squaredL2, margin: 0.2 });
  const empty = {
    anchors: new Int32Array(0),
    positives: new Int32Array(0),
    negatives: new Int32Array(0),
  };
  assert.equal(tf.tidy(() => loss.fromDistances(tf.tensor2d(SQUARED), empty).dataSync()[0]), 0);
  // Two far-apart tight clusters: every triplet is easy.
  const easy = tf.tensor2d([[0, 0], [0, 0.1], [10, 0], [10, 0.1]]);
  assert.equal(
    tf.tidy(() => loss.compute(easy, [0, 0, 1, 1], batchAllMiner).loss.dataSync()[0]),
    0,
  );
  easy.dispose();
});

Deno.test("soft-margin loss is the mean softplus of d(a,p) - d(a,n)", () => {
  // Batch-hard triplets: softplus(-3) twice and softplus(9) twice.
  const sp = (x: number) => Math.log1p(Math.exp(x));
  const loss = new SoftMarginLoss({ distance: squaredL2 });
  const value = tf.tidy(() =>
    loss.compute(tf.tensor2d(POINTS), LABELS, batchHardMiner).loss.dataSync()[0]
  );
  near(value, (2 * sp(-3) + 2 * sp(9)) / 4);
});

Deno.test("the margin loss's gradient pushes the hard negative away from its anchor", () => {
  // One triplet (0,1,2) on squared L2 with margin 10: L = d01 - d02 + 10;
  // dL/dx2 = -d(d02)/dx2 = -2 (x2 - x0) = (-4, 0): moving x2 along -grad moves it away from x0.
  const loss = new TripletMarginLoss({ distance: squaredL2, margin: 10 });
  const triplets = {
    anchors: Int32Array.of(0),
    positives: Int32Array.of(1),
    negatives: Int32Array.of(2),
  };
  const g = tf.grad((x: tf.Tensor) =>
    loss.fromDistances(squaredL2.pairwise(x as tf.Tensor2D), triplets)
  )(
    tf.tensor2d(POINTS),
  );
  const rows = g.arraySync() as number[][];
  near(rows[2][0], -4);
  near(rows[2][1], 0);
  near(rows[3][0], 0);
  g.dispose();
});

for (
  const [name, miner] of [["batch-hard", batchHardMiner], [
    "semi-hard",
    semiHardMiner({ margin: 0.2 }),
  ]] as const
) {
  Deno.test(`gradient descent on free embeddings lowers the ${name} triplet loss to near zero`, () => {
    // 4 classes x 3 points, random 8-D starts, normalised like the model's output.
    const rng = new Rng(5);
    const labels = Array.from({ length: 12 }, (_, i) => Math.floor(i / 3));
    const x = tf.variable(
      tf.tensor2d(Array.from({ length: 12 }, () => Array.from({ length: 8 }, () => rng.normal()))),
    );
    const loss = new TripletMarginLoss({ distance: l2, margin: 0.2 });
    const optimizer = tf.train.adam(0.05);
    const lossAt = () =>
      loss.compute(tf.div(x, tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D, labels, miner);
    const first = tf.tidy(() => lossAt().loss.dataSync()[0]);
    for (let step = 0; step < 150; step++) {
      tf.tidy(() => {
        optimizer.minimize(() => lossAt().loss);
      });
    }
    const last = tf.tidy(() => {
      const e = tf.div(x, tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D;
      return new TripletMarginLoss({ distance: l2, margin: 0.2, reduction: "all" })
        .compute(e, labels, batchHardMiner).loss.dataSync()[0];
    });
    assert.ok(first > 0.1, `starting loss ${first}`);
    assert.ok(last < 0.02, `loss after training ${last} (from ${first})`);
    x.dispose();
    optimizer.dispose();
  });
}
