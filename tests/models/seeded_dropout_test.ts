import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { buildTower, type TowerSpec } from "../../lib/models/koch.ts";
import { dropoutProblem, SeededDropout } from "../../lib/models/seeded_dropout.ts";
import { Rng } from "../../lib/rng.ts";
import { loadLayersModel, saveLayersModel } from "../../lib/training/model_io.ts";
import { tempDir } from "../helpers.ts";

await selectBackend("cpu");

const ones = () => tf.ones([8, 250]);
const values = (t: tf.Tensor) => Array.from(t.dataSync());

Deno.test("in training mode dropout zeroes about its rate's share and scales the rest by 1 / (1 - rate)", () => {
  const layer = new SeededDropout({ rate: 0.25, seed: 3 });
  const out = values(layer.apply(ones(), { training: true }) as tf.Tensor);
  const zeros = out.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / out.length - 0.25) < 0.03, `${zeros} of ${out.length} zeroed`);
  for (const v of out) assert.ok(v === 0 || Math.abs(v - 4 / 3) < 1e-6, `value ${v}`);
});

Deno.test("outside training dropout passes its input through", () => {
  const layer = new SeededDropout({ rate: 0.5, seed: 3 });
  const x = tf.randomUniform([4, 30], 0, 1, "float32", 1);
  assert.deepEqual(values(layer.apply(x) as tf.Tensor), values(x));
  assert.deepEqual(values(layer.apply(x, { training: false }) as tf.Tensor), values(x));
});

Deno.test("each training call draws a new mask, and one seed fixes the sequence of masks", () => {
  const masks = (seed: number) => {
    const layer = new SeededDropout({ rate: 0.5, seed });
    return [0, 1].map(() => values(layer.apply(ones(), { training: true }) as tf.Tensor));
  };
  const [a1, a2] = masks(5);
  const [b1, b2] = masks(5);
  assert.notDeepEqual(a1, a2, "a fresh mask at each call");
  assert.deepEqual(b1, a1);
  assert.deepEqual(b2, a2);
  assert.notDeepEqual(masks(6)[0], a1, "another seed, other masks");
});

Deno.test("the gradient flows through the kept values only, scaled as they are", () => {
  // Two layers of one seed draw the same first mask: one for the values, one for the gradient.
  const x = tf.randomUniform([6, 40], 1, 2, "float32", 2);
  const out = new SeededDropout({ rate: 0.5, seed: 9 }).apply(x, { training: true }) as tf.Tensor;
  const layer = new SeededDropout({ rate: 0.5, seed: 9 });
  const grad = tf.grad((v: tf.Tensor) => tf.sum(layer.apply(v, { training: true }) as tf.Tensor))(
    x,
  );
  // d sum(mask * x / (1 - rate)) / dx = mask / (1 - rate) = out / x.
  const expected = values(tf.div(out, x));
  assert.ok(expected.some((v) => v === 0) && expected.some((v) => v === 2), "both kinds of entry");
  values(grad).forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-5, `entry ${i}`));
});

const tiny = (dropout?: number): TowerSpec => ({
  name: "tiny",
  inputSize: 8,
  convs: [{ filters: 2, kernel: 3, pool: true }],
  dense: 4,
  denseActivation: "linear",
  init: "he",
  dropout,
});

Deno.test("a tower's dropout sits on the flattened map before its features, and saves and loads", async () => {
  const tower = buildTower(tiny(0.3), new Rng(1));
  const names = tower.layers.map((l) => l.name);
  assert.deepEqual(names.slice(-3), ["flatten", "dropout", "features"]);
  assert.ok(!buildTower(tiny(), new Rng(1)).layers.some((l) => l instanceof SeededDropout));
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 7);
  const trained = values(tower.apply(x, { training: true }) as tf.Tensor);
  const inference = values(tower.predict(x) as tf.Tensor);
  assert.notDeepEqual(trained, inference, "training mode drops");
  const dir = tempDir();
  try {
    await saveLayersModel(tower, `${dir}/tower`);
    const loaded = await loadLayersModel(`${dir}/tower`);
    const layer = loaded.getLayer("dropout");
    assert.ok(layer instanceof SeededDropout);
    assert.equal(layer.rate, 0.3);
    assert.deepEqual(values(loaded.predict(x) as tf.Tensor), inference);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a dropout rate outside (0, 1) is refused, and so is dropout with chunked steps", () => {
  for (const rate of [0, 1, -0.1, Number.NaN]) {
    assert.throws(() => buildTower(tiny(rate), new Rng(1)), /dropout must be above 0 and below 1/);
    assert.throws(() => new SeededDropout({ rate, seed: 1 }), /rate must be above 0/);
  }
  assert.match(
    dropoutProblem({ tower: tiny(0.2), chunkImages: 16 })!,
    /tower.dropout cannot be combined with chunkImages/,
  );
  assert.equal(dropoutProblem({ tower: tiny(0.2) }), null);
  assert.equal(dropoutProblem({ tower: tiny(), chunkImages: 16 }), null);
});
