import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { isSharpnessRadius, sharpnessAwareGradients } from "../../lib/training/sharpness.ts";
import { train } from "../../lib/training/loop.ts";
import { constantSchedule, SgdMomentum } from "../../lib/training/schedules.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const near = (actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i] - e) <= tol, `value ${i}: ${actual[i]} against ${e}`)
  );
};

// loss = sum(a^4) / 4 + sum(b^3) / 3: gradient a^3 and b^2, elementwise.
const lossOf = (a: tf.Tensor, b: tf.Tensor) =>
  tf.add(tf.div(tf.sum(tf.pow(a, 4)), 4), tf.div(tf.sum(tf.pow(b, 3)), 3)) as tf.Scalar;

Deno.test("the SAM gradient is the gradient at the weights moved radius * g / ||g||, and the weights come back exactly", () => {
  const a0 = [0.5, -1.25, 2], b0 = [0.3, -0.7, 1.1, 0.2];
  const a = tf.variable(tf.tensor1d(a0), true, "sam_a");
  const b = tf.variable(tf.tensor2d(b0, [2, 2]), true, "sam_b");
  const radius = 0.05;
  const grads = tf.tidy(() => {
    const first = tf.variableGrads(() => lossOf(a, b), [a, b]).grads;
    const sam = sharpnessAwareGradients(
      [a, b],
      first,
      radius,
      () => tf.variableGrads(() => lossOf(a, b), [a, b]).grads,
    );
    return { a: tf.keep(sam[a.name]), b: tf.keep(sam[b.name]) };
  });
  const g = [...a0.map((x) => x ** 3), ...b0.map((x) => x ** 2)];
  const norm = Math.hypot(...g);
  const moved = [...a0, ...b0].map((x, i) => x + radius * g[i] / norm);
  near(grads.a.dataSync(), moved.slice(0, 3).map((x) => x ** 3));
  near(grads.b.dataSync(), moved.slice(3).map((x) => x ** 2));
  // Not the plain gradient: the move made a difference this test can see.
  assert.ok(Math.abs(grads.a.dataSync()[2] - 8) > 1e-3);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(new Float32Array(a0)));
  assert.deepEqual(Array.from(b.dataSync()), Array.from(new Float32Array(b0)));
  tf.dispose([a, b, grads.a, grads.b]);
});

Deno.test("a variable without a gradient is not moved, and state the second pass writes is put back, also when it throws", () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, "sam_w");
  const frozen = tf.variable(tf.tensor1d([3]), true, "sam_frozen");
  const moving = tf.variable(tf.tensor1d([7, 7]), false, "sam_moving");
  let seen: number[] = [];
  tf.tidy(() => {
    sharpnessAwareGradients([w, frozen], { [w.name]: tf.tensor1d([3, 4]) }, 1, () => {
      seen = [...w.dataSync(), ...frozen.dataSync()];
      moving.assign(tf.tensor1d([0, 0]));
      return {};
    }, [moving]);
  });
  near(seen, [1 + 3 / 5, 2 + 4 / 5, 3]);
  assert.deepEqual(Array.from(moving.dataSync()), [7, 7]);
  assert.deepEqual(Array.from(w.dataSync()), [1, 2]);
  assert.throws(() =>
    tf.tidy(() => {
      sharpnessAwareGradients([w], { [w.name]: tf.tensor1d([3, 4]) }, 1, () => {
        moving.assign(tf.tensor1d([0, 0]));
        throw new Error("boom");
      }, [moving]);
    }), /boom/);
  assert.deepEqual(Array.from(w.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(moving.dataSync()), [7, 7]);
  tf.dispose([w, frozen, moving]);
});

Deno.test("a radius that is not above 0 is refused", () => {
  for (const r of [0, -0.1, NaN, Infinity]) {
    assert.equal(isSharpnessRadius(r), false);
    assert.throws(() => sharpnessAwareGradients([], {}, r, () => ({})), /radius must be above 0/);
  }
  assert.equal(isSharpnessRadius(0.05), true);
});

Deno.test("the loop's sharpness-aware step applies the gradient at the moved weights, and says which pass is the moved one", async () => {
  // y = w1 x1 + w2 x2 + c with x = (1, 2), loss y^2; w = (1, 1), c = 0.
  const model = tfl.sequential();
  model.add(tfl.layers.dense({
    inputShape: [2],
    units: 1,
    kernelInitializer: "ones",
    biasInitializer: "zeros",
  }));
  const passes: boolean[] = [];
  const radius = 0.5, rate = 0.1;
  await train({
    models: [model],
    optimizer: new SgdMomentum({ schedule: constantSchedule(rate) }),
    batch: () => tf.tensor2d([[1, 2]]),
    loss: (x, moved) => {
      passes.push(moved ?? false);
      return tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar;
    },
    sharpness: radius,
    validate: () => 0,
    steps: 1,
    validateEvery: 1,
    patience: 5,
    maxSeconds: 100,
    quiet: true,
  });
  assert.deepEqual(passes, [false, true]);
  // Gradient 2y (x1, x2, 1) at y = 3: (6, 12, 6); the moved weights' y decides the step.
  const g = [6, 12, 6];
  const norm = Math.hypot(...g);
  const moved = [1, 1, 0].map((v, i) => v + radius * g[i] / norm);
  const y = moved[0] + 2 * moved[1] + moved[2];
  const expected = [1, 1, 0].map((v, i) => v - rate * 2 * y * [1, 2, 1][i]);
  const [kernel, bias] = model.getWeights().map((t) => Array.from(t.dataSync()));
  near([...kernel, ...bias], expected);
  // The plain step would land elsewhere: (1 - 0.6, 1 - 1.2, -0.6).
  assert.ok(Math.abs(bias[0] + 0.6) > 1e-2);
  model.dispose();
});
