import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { train } from "../../lib/training/loop.ts";
import { Adam, constantSchedule } from "../../lib/training/schedules.ts";
import { FLUSH_EVERY, flushSubnormals, SMALLEST_NORMAL } from "../../lib/training/subnormals.ts";
import { countSubnormals } from "../helpers.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SUBNORMAL = 1e-40;

Deno.test("flushSubnormals zeroes subnormals of either sign and keeps everything else", () => {
  const values = [
    SUBNORMAL,
    -SUBNORMAL,
    SMALLEST_NORMAL,
    -SMALLEST_NORMAL,
    1e-30,
    0.5,
    -3,
    0,
    Infinity,
    -Infinity,
    NaN,
  ];
  const v = tf.variable(tf.tensor1d(values));
  assert.equal(countSubnormals([v.dataSync()]), 2);
  flushSubnormals([v]);
  const out = Array.from(v.dataSync());
  assert.deepEqual(out.slice(0, 2).map(Math.abs), [0, 0]);
  assert.deepEqual(out.slice(2, 10), Array.from(new Float32Array(values.slice(2, 10))));
  assert.ok(Number.isNaN(out[10]));
  assert.equal(countSubnormals([v.dataSync()]), 0);
  v.dispose();
});

/** A one-unit dense model whose kernel holds subnormals, and a loss with no gradient. */
function subnormalModel(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [2], units: 1, biasInitializer: "ones" }));
  m.layers[0].setWeights([tf.tensor2d([[SUBNORMAL], [-SUBNORMAL]]), tf.tensor1d([1])]);
  return m;
}

async function trainFor(model: tfl.LayersModel, optimizer: Adam, steps: number) {
  await train({
    models: [model],
    optimizer,
    batch: () => tf.ones([1, 2]),
    // No gradient reaches the weights: only the flush can move them.
    loss: (x) => tf.mul(tf.sum(model.apply(x) as tf.Tensor), 0) as tf.Scalar,
    validate: () => 0,
    steps,
    validateEvery: steps,
    patience: 5,
    maxSeconds: 1e9,
    quiet: true,
  });
}

Deno.test(`training sets subnormal weights to zero every ${FLUSH_EVERY} steps`, async () => {
  const before = subnormalModel();
  await trainFor(before, new Adam({ schedule: constantSchedule(0.01) }), FLUSH_EVERY - 1);
  assert.equal(countSubnormals([before.getWeights()[0].dataSync()]), 2, "not yet flushed");
  const after = subnormalModel();
  await trainFor(after, new Adam({ schedule: constantSchedule(0.01) }), FLUSH_EVERY);
  assert.deepEqual(Array.from(after.getWeights()[0].dataSync()).map(Math.abs), [0, 0]);
  assert.deepEqual(Array.from(after.getWeights()[1].dataSync()), [1], "normal weights kept");
  before.dispose();
  after.dispose();
});

Deno.test("training flushes the optimiser's state too", async () => {
  const model = subnormalModel();
  const optimizer = new Adam({ schedule: constantSchedule(0.01) });
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // First and second moments that stay subnormal under the decays (0.9 and 0.999 per step).
  const moments = trainable.map((w) => new Float32Array(w.size).fill(1e-39));
  optimizer.setState(trainable, [...moments, ...moments]);
  assert.equal(countSubnormals(optimizer.getState()), 6);
  await trainFor(model, optimizer, FLUSH_EVERY);
  assert.equal(countSubnormals(optimizer.getState()), 0);
  assert.equal(optimizer.slots().length, 4);
  optimizer.dispose();
  model.dispose();
});
