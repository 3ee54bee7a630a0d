import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  Adam,
  constantSchedule,
  kernelDecay,
  kochSchedule,
  SgdMomentum,
  trainingSchedule,
} from "../../lib/training/schedules.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const close = (a: number, b: number, eps = 1e-6) =>
  assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

Deno.test("momentum starts at 0.5 and rises linearly once per epoch to its final value, then stays", () => {
  const s = kochSchedule({
    learningRate: 0.1,
    epochSteps: 10,
    finalMomentum: 0.9,
    momentumEpochs: 4,
  });
  close(s.momentum(0), 0.5);
  close(s.momentum(9), 0.5);
  close(s.momentum(10), 0.6);
  close(s.momentum(25), 0.7);
  close(s.momentum(40), 0.9);
  close(s.momentum(1000), 0.9);
});

Deno.test("the learning rate decays by 1% per epoch", () => {
  const s = kochSchedule({
    learningRate: 0.1,
    epochSteps: 10,
    finalMomentum: 0.9,
    momentumEpochs: 4,
  });
  close(s.learningRate(0), 0.1);
  close(s.learningRate(10), 0.099);
  close(s.learningRate(29), 0.09801);
});

Deno.test("a training block's schedule: the decay unless cosine is named, then half a cosine to 0 at its steps", () => {
  const block = { learningRate: 0.2, lrDecay: 0.5, decayEvery: 10, steps: 100 };
  const momentum = { finalMomentum: 0.9, momentumEpochs: 4 };
  const decayed = trainingSchedule(block, momentum);
  close(decayed.learningRate(0), 0.2);
  close(decayed.learningRate(25), 0.05);
  const cosine = trainingSchedule({ ...block, lrSchedule: "cosine" }, momentum);
  close(cosine.learningRate(0), 0.2);
  close(cosine.learningRate(25), 0.1 * (1 + Math.SQRT1_2)); // cos(pi / 4)
  close(cosine.learningRate(50), 0.1);
  close(cosine.learningRate(75), 0.1 * (1 - Math.SQRT1_2));
  close(cosine.learningRate(100), 0);
  close(cosine.learningRate(150), 0, 1e-12); // past the steps (a resumed or longer run): held at 0
  // Momentum ramps by the decay interval's epochs either way.
  close(cosine.momentum(25), decayed.momentum(25));
  close(cosine.momentum(25), 0.7); // epoch 2 of a 4-epoch ramp from 0.5 to 0.9
  assert.throws(
    () => trainingSchedule({ ...block, steps: 0, lrSchedule: "cosine" }, momentum),
    /steps must be a positive integer/,
  );
});

Deno.test("the L2 weight falls on kernels only, by their layer's name, not on biases or batch norm", () => {
  const weights = [
    { name: "conv1/kernel" },
    { name: "conv1/bias" },
    { name: "bn1/gamma" },
    { name: "features/kernel_1", originalName: "features/kernel" },
    { name: "x/kernel", originalName: "embedding/bias" },
  ];
  assert.deepEqual(kernelDecay(weights, 0.5), [0.5, 0, 0, 0.5, 0]);
});

Deno.test("SGD with momentum: v = mu v - eta (g + lambda w), w = w + v, by hand", () => {
  const w = tf.variable(tf.scalar(1));
  const opt = new SgdMomentum({
    schedule: { learningRate: () => 0.1, momentum: () => 0.5 },
    weightDecay: [0.5],
  });
  // g = 1.5 and lambda w = 0.5: v = -0.2, w = 0.8
  opt.apply([w], [tf.scalar(1.5)], 0);
  close(w.dataSync()[0], 0.8);
  // g + lambda w = 1.5 + 0.4: v = 0.5 * -0.2 - 0.19 = -0.29, w = 0.51
  opt.apply([w], [tf.scalar(1.5)], 1);
  close(w.dataSync()[0], 0.51);
  close(opt.getState()[0][0], -0.29);
  opt.dispose();
  w.dispose();
});

Deno.test("per-variable rate multipliers scale each variable's step", () => {
  const a = tf.variable(tf.scalar(0)), b = tf.variable(tf.scalar(0));
  const opt = new SgdMomentum({
    schedule: { learningRate: () => 0.1, momentum: () => 0 },
    rateMultipliers: [1, 10],
  });
  opt.apply([a, b], [tf.scalar(1), tf.scalar(1)], 0);
  close(a.dataSync()[0], -0.1);
  close(b.dataSync()[0], -1);
  opt.dispose();
});

Deno.test("Adam's first step moves each weight by the learning rate against the gradient's sign", () => {
  const w = tf.variable(tf.tensor1d([1, 1]));
  const opt = new Adam({ schedule: constantSchedule(0.01) });
  opt.apply([w], [tf.tensor1d([3, -0.001])], 0);
  const [x, y] = w.dataSync();
  close(x, 0.99, 1e-5);
  close(y, 1.01, 1e-4);
  opt.dispose();
});

Deno.test("an optimiser restored from its state continues exactly as the original", () => {
  const run = (restoreAt?: number) => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    let opt = new Adam({ schedule: constantSchedule(0.05) });
    for (let t = 0; t < 4; t++) {
      if (t === restoreAt) {
        const state = opt.getState();
        opt.dispose();
        opt = new Adam({ schedule: constantSchedule(0.05) });
        opt.setState([w], state);
      }
      opt.apply([w], [tf.tidy(() => tf.mul(w, 2))], t);
    }
    const out = Array.from(w.dataSync());
    opt.dispose();
    w.dispose();
    return out;
  };
  assert.deepEqual(run(2), run());
});

Deno.test("an optimiser disposed leaves no tensors behind, its slots made at a step or restored", () => {
  const w = tf.variable(tf.tensor1d([1, -2, 3]));
  const g = tf.tensor1d([0.5, 0.5, 0.5]);
  const before = tf.memory().numTensors;
  for (
    const make of [
      () => new Adam({ schedule: constantSchedule(0.05) }),
      () => new SgdMomentum({ schedule: constantSchedule(0.05) }),
    ]
  ) {
    // Slots made by the first step, outside any tidy scope.
    const stepped = make();
    stepped.apply([w], [g], 0);
    const state = stepped.getState();
    stepped.dispose();
    assert.equal(tf.memory().numTensors, before, `${stepped.name}: made at a step`);
    const restored = make();
    restored.setState([w], state);
    restored.dispose();
    assert.equal(tf.memory().numTensors, before, `${restored.name}: restored`);
  }
  g.dispose();
  w.dispose();
});

Deno.test("a state of the wrong shape is refused", () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  assert.throws(
    () => new Adam({ schedule: constantSchedule(0.1) }).setState([w], [new Float32Array(2)]),
    /2 arrays|expected 2/,
  );
  assert.throws(
    () => new SgdMomentum({ schedule: constantSchedule(0.1) }).setState([w], [new Float32Array(3)]),
    /3 values/,
  );
  w.dispose();
});
