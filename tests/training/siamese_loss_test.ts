import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import {
  bceWithLogits,
  constant,
  focalWeights,
  focalWeightsTensor,
  pairLogits,
  siameseLoss,
} from "../../lib/training/siamese_loss.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const close = (a: number, b: number, eps = 1e-6) =>
  assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

Deno.test("binary cross-entropy from logits: ln 2 at z = 0, and stable at large |z|", () => {
  const out = bceWithLogits(tf.tensor1d([0, 0, 100, -100, 100]), tf.tensor1d([1, 0, 1, 0, 0]))
    .dataSync();
  close(out[0], Math.LN2);
  close(out[1], Math.LN2);
  close(out[2], 0);
  close(out[3], 0);
  close(out[4], 100);
});

/** A head with alpha = (-1, -2) and b = 3: logit = 3 - |d1| - 2 |d2|. */
function head(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.dense({
      inputShape: [2],
      units: 1,
      weights: [tf.tensor2d([[-1], [-2]]), tf.tensor1d([3])],
    }),
  );
  return m;
}

Deno.test("pair logits apply the weighted L1 head to |h_left - h_right|", () => {
  const features = tf.tensor2d([[0, 0], [1, 1], [0, 2]]);
  // pairs (0, 1) and (2, 1)
  const difference = tf.tensor2d([[1, -1, 0], [0, -1, 1]]);
  assert.deepEqual(Array.from(pairLogits(head(), features, difference).dataSync()), [0, 0]);
  const d2 = tf.tensor2d([[1, 0, -1]]); // |(0,0) - (0,2)| = (0, 2): 3 - 4
  assert.deepEqual(Array.from(pairLogits(head(), features, d2).dataSync()), [-1]);
});

Deno.test("the loss is the weighted sum of the pairs' cross-entropies", () => {
  const tower = tfl.sequential();
  tower.add(tfl.layers.flatten({ inputShape: [1, 2, 1] }));
  const images = tf.tensor4d([0, 0, 1, 1, 0, 2], [3, 1, 2, 1]);
  const difference = tf.tensor2d([[1, -1, 0], [1, 0, -1]]); // logits 0 and -1
  const loss = siameseLoss(tower, head(), {
    images,
    difference,
    target: tf.tensor2d([[1], [0]]),
    weight: tf.tensor2d([[0.25], [0.75]]),
  }).dataSync()[0];
  close(loss, 0.25 * Math.LN2 + 0.75 * Math.log1p(Math.exp(-1)));
});

Deno.test("focal weights move weight to the pairs the model gets wrong, keeping each class's total", () => {
  // two negatives with p(same) = 0.5 and 0.75: (1 - p_right) = 0.5 and 0.75
  const w = focalWeights([0, Math.log(3)], [0, 0], [0.25, 0.25], 1);
  close(w[0], 0.2);
  close(w[1], 0.3);
  // Equal difficulty leaves the weights alone; a positive keeps its class's share.
  const v = focalWeights([0, 0, 5], [1, 0, 0], [0.5, 0.25, 0.25], 2);
  close(v[0], 0.5);
  close(v[1] + v[2], 0.5);
  assert.ok(v[2] > v[1]); // logit 5 on a negative is the confident mistake
});

Deno.test("the focal weights as tensor ops (for webgpu) equal the host's, and no gradient flows through them", () => {
  const logits = [0, Math.log(3), -2, 5, 0.3, -0.7];
  const same = [0, 0, 1, 0, 1, 1];
  const weights = [0.1, 0.2, 0.3, 0.15, 0.05, 0.2];
  const host = focalWeights(logits, same, weights, 2);
  const z = tf.tensor2d(logits, [6, 1]);
  const onGraph = focalWeightsTensor(z, same, weights, 2).dataSync();
  host.forEach((w, i) => close(onGraph[i], w));
  // A class whose weights are all zero keeps them (its "after" total is 0).
  const zero = focalWeightsTensor(z, same, [0, 0, 0.5, 0, 0.25, 0.25], 2).dataSync();
  [0, 1, 3].forEach((i) => close(zero[i], 0));
  // d/dz sum(constant(z) * z) = z: the constant's own path adds nothing.
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(constant(x, tf.clone), x)))(z).dataSync();
  logits.forEach((v, i) => close(grad[i], v));
  // The focal weights inside constant(): taped, with no gradient through them (Greater has none).
  const focal = tf.grad((x: tf.Tensor) =>
    tf.sum(
      tf.mul(constant(x, (l) => focalWeightsTensor(l as tf.Tensor2D, same, weights, 2)), x),
    )
  )(z).dataSync();
  host.forEach((w, i) => close(focal[i], w));
  // Without constant() the same sum's gradient is 2z: the test can tell the two apart.
  const both = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.clone(x), x)))(z).dataSync();
  close(both[1], 2 * logits[1]);
});

Deno.test("hardest-pair mining weighs only each image's hardest positive and negative pair", () => {
  const tower = tfl.sequential();
  tower.add(tfl.layers.flatten({ inputShape: [1, 2, 1] }));
  // Images 0, 1 of one character, 2 of another. Logits 3 - |d1| - 2 |d2|:
  // (0,1): features (0,0) (1,1) -> 0; (0,2): (0,0) (0,2) -> -1; (1,2): (1,1) (0,2) -> 0.
  const images = tf.tensor4d([0, 0, 1, 1, 0, 2], [3, 1, 2, 1]);
  const difference = tf.tensor2d([[1, -1, 0], [1, 0, -1], [0, 1, -1]]);
  const batch = {
    images,
    difference,
    target: tf.tensor2d([[1], [0], [0]]),
    weight: tf.tensor2d([[0.5], [0.25], [0.25]]),
    same: [1, 0, 0],
    weights: [0.5, 0.25, 0.25],
    left: [0, 0, 1],
    right: [1, 2, 2],
  };
  // Negatives: image 0's hardest is (0,2) at -1 (its only one), 1's and 2's is (1,2) at 0 (2's
  // two negatives: -1 and 0). Votes 1 and 2 of 3 share the negatives' half.
  const mined = siameseLoss(tower, head(), batch, { mining: "hardest" }).dataSync()[0];
  close(mined, 0.5 * Math.LN2 + (0.5 / 3) * Math.log1p(Math.exp(-1)) + (1 / 3) * Math.LN2);
  const all = siameseLoss(tower, head(), batch).dataSync()[0];
  close(all, 0.5 * Math.LN2 + 0.25 * Math.log1p(Math.exp(-1)) + 0.25 * Math.LN2);
  assert.throws(
    () => siameseLoss(tower, head(), { ...batch, left: undefined }, { mining: "hardest" }),
    /needs the batch's left and right/,
  );
});
