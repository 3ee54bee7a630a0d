import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { getWeights, train } from "../../lib/training/loop.ts";
import { constantSchedule, SgdMomentum } from "../../lib/training/schedules.ts";
import {
  isWeightAverageDecay,
  warmedDecay,
  WeightAverage,
} from "../../lib/training/weight_average.ts";
import { decodeCheckpoint } from "../../lib/training/checkpoint.ts";
import { tempDir } from "../helpers.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} against ${b[i]}`);
  }
};

Deno.test("the decay warms up as (1 + n) / (10 + n) and then stays at its value", () => {
  assert.equal(warmedDecay(0.999, 0), 0.1);
  assert.equal(warmedDecay(0.999, 10), 11 / 20);
  assert.equal(warmedDecay(0.5, 10), 0.5);
  assert.equal(warmedDecay(0.999, 1e6), 0.999);
  assert.ok(isWeightAverageDecay(0) && isWeightAverageDecay(0.9999));
  assert.ok(!isWeightAverageDecay(1) && !isWeightAverageDecay(-0.1) && !isWeightAverageDecay(NaN));
  assert.throws(() => new WeightAverage([], 1), /decay must lie in \[0, 1\)/);
});

Deno.test("each update moves the average towards the weights by the warmed decay; swap exchanges them and a second swap undoes it", () => {
  const w = tf.variable(tf.tensor1d([0, 0]));
  const average = new WeightAverage([w], 0.9);
  w.assign(tf.tensor1d([10, -10]));
  average.update(0); // d = 0.1: 0.1 * 0 + 0.9 * 10
  close(average.getState()[0], [9, -9]);
  w.assign(tf.tensor1d([20, 0]));
  average.update(100); // d = 0.9: 0.9 * 9 + 0.1 * 20
  close(average.getState()[0], [10.1, -8.1], 1e-5);
  average.swap();
  close(w.dataSync(), [10.1, -8.1], 1e-5);
  close(average.getState()[0], [20, 0]);
  average.swap();
  close(w.dataSync(), [20, 0]);
  close(average.getState()[0], [10.1, -8.1], 1e-5);
  average.dispose();
  w.dispose();
});

Deno.test("an average disposed leaves no tensors behind: the copies it starts from go with it", () => {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const before = tf.memory().numTensors;
  const average = new WeightAverage([w], 0.99);
  average.update(0);
  average.swap();
  average.setState([Float32Array.from([4, 5, 6])]);
  average.dispose();
  assert.equal(tf.memory().numTensors, before);
  w.dispose();
});

Deno.test("an average's state round-trips and a state of the wrong shape is refused", () => {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const average = new WeightAverage([w], 0.99);
  average.setState([Float32Array.from([4, 5, 6])]);
  close(average.getState()[0], [4, 5, 6]);
  assert.throws(() => average.setState([Float32Array.from([1, 2])]), /array 0 has 2 values/);
  assert.throws(() => average.setState([]), /0 arrays for 1 weights/);
  average.dispose();
  w.dispose();
});

function oneWeightModel(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.dense({
      inputShape: [1],
      units: 1,
      useBias: false,
      kernelInitializer: "zeros",
    }),
  );
  return m;
}

/**
 * One weight w, loss -w (gradient -1), plain SGD at rate 1: the live weight after step t is t.
 * Validation reads the weight it is given, so it says which weights it saw.
 */
async function runOneWeight(averageDecay: number | undefined, checkpoint?: string, steps = 6) {
  const model = oneWeightModel();
  const seen: number[] = [];
  const result = await train({
    models: [model],
    optimizer: new SgdMomentum({ schedule: constantSchedule(1) }),
    batch: () => tf.ones([1, 1]),
    loss: (x) => tf.neg(tf.sum(model.apply(x) as tf.Tensor)) as tf.Scalar,
    validate: () => {
      const w = getWeights([model])[0][0];
      seen.push(w);
      return w; // higher is better: the last validation is the best
    },
    averageDecay,
    steps,
    validateEvery: 2,
    patience: 100,
    maxSeconds: 1e9,
    checkpoint: checkpoint ? { path: checkpoint, configHash: "one" } : undefined,
    quiet: true,
  });
  const final = getWeights([model])[0][0];
  model.dispose();
  return { seen, final, result };
}

/** The averaged weight after `steps` steps of the live weight 1, 2, ... (update n sees weight n + 1). */
function expectedAverage(decay: number, steps: number): number {
  let a = 0;
  for (let n = 0; n < steps; n++) {
    const d = warmedDecay(decay, n);
    a = d * a + (1 - d) * (n + 1);
  }
  return a;
}

Deno.test("with weight averaging, validation and the returned model see the averaged weights, not the last step's", async () => {
  const plain = await runOneWeight(undefined);
  assert.deepEqual(plain.seen, [2, 4, 6]);
  assert.equal(plain.final, 6);

  const averaged = await runOneWeight(0.5);
  const expected = [2, 4, 6].map((s) => expectedAverage(0.5, s));
  close(averaged.seen, expected, 1e-5);
  // The averages lag the live weights (which reach 6), and the best (last) average is returned.
  assert.ok(expected[2] < 6 && expected[2] > 4);
  close([averaged.final], [expected[2]], 1e-5);
});

Deno.test("a run with weight averaging resumed from its checkpoint ends where an uninterrupted one does", async () => {
  const dir = tempDir();
  const straight = await runOneWeight(0.5, `${dir}/a.bin`);
  await runOneWeight(0.5, `${dir}/b.bin`, 4);
  const resumed = await runOneWeight(0.5, `${dir}/b.bin`);
  assert.equal(resumed.result.resumedFrom, 4);
  assert.deepEqual(resumed.seen, [straight.seen[2]]);
  assert.equal(resumed.final, straight.final);
  const a = decodeCheckpoint(Deno.readFileSync(`${dir}/a.bin`));
  const b = decodeCheckpoint(Deno.readFileSync(`${dir}/b.bin`));
  // The checkpoint holds the live weight and the average apart.
  assert.deepEqual(a.weights, [Float32Array.from([6])]);
  close(a.average![0], [expectedAverage(0.5, 6)], 1e-5);
  assert.deepEqual(b.average, a.average);
  await Deno.remove(dir, { recursive: true });
});
