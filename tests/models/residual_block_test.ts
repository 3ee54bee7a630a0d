import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { buildEmbeddingNet, embedImages } from "../../lib/models/embedding.ts";
import { buildTower, countParams, type TowerSpec } from "../../lib/models/koch.ts";
import { ResidualBlock } from "../../lib/models/residual_block.ts";
import { towerSummary } from "../../lib/models/tower_summary.ts";
import { TOWERS } from "../../lib/models/towers.ts";
import { Rng } from "../../lib/rng.ts";
import { loadLayersModel, saveLayersModel } from "../../lib/training/model_io.ts";
import { tempDir } from "../helpers.ts";
import { relativeError, runOn, uniformValues } from "../backends/compare.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const TINY: TowerSpec = {
  name: "tiny-residual",
  inputSize: 12,
  convs: [
    { filters: 4, kernel: 3, pool: true, residual: 2 },
    { filters: 6, kernel: 3, pool: false },
  ],
  dense: 5,
  denseActivation: "linear",
  init: "he",
};

/** A block on `[2, 5, 5, 3]` inputs, its weights set to `uniformValues` (named by weight). */
function blockWithWeights(): ResidualBlock {
  const block = new ResidualBlock({ name: "res", kernel: 3, seed: 1 });
  block.apply(tf.zeros([1, 5, 5, 3]));
  block.setWeights(
    block.getWeights().map((w, i) => tf.tensor(uniformValues(w.size, `res w${i}`), w.shape)),
  );
  return block;
}

Deno.test("a new residual block passes a non-negative input through unchanged", () => {
  const block = new ResidualBlock({ name: "res", kernel: 3, seed: 3 });
  const x = tf.relu(tf.tensor4d(uniformValues(2 * 5 * 5 * 3, "res x"), [2, 5, 5, 3]));
  const y = block.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 5, 5, 3]);
  assert.deepEqual(y.dataSync(), x.dataSync());
  // The first convolution is not zero: only the second starts at nothing.
  const [k1, , k2] = block.getWeights();
  assert.ok(tf.max(tf.abs(k1)).dataSync()[0] > 0.1);
  assert.equal(tf.max(tf.abs(k2)).dataSync()[0], 0);
});

Deno.test("a residual block computes ReLU(x + conv2(ReLU(conv1(x)))), as tfjs-layers composes it", () => {
  const block = blockWithWeights();
  const [k1, b1, k2, b2] = block.getWeights();
  // The same function from stock layers: two same-padded convolutions, an add, a ReLU.
  const input = tfl.input({ shape: [5, 5, 3] });
  const conv = (name: string, activation: "relu" | "linear") =>
    tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation, name });
  const conv1 = conv("c1", "relu"), conv2 = conv("c2", "linear");
  const sum = tfl.layers.add().apply([
    input,
    conv2.apply(conv1.apply(input)) as tfl.SymbolicTensor,
  ]);
  const reference = tfl.model({
    inputs: input,
    outputs: tfl.layers.activation({ activation: "relu" }).apply(sum) as tfl.SymbolicTensor,
  });
  conv1.setWeights([k1, b1]);
  conv2.setWeights([k2, b2]);
  const x = tf.tensor4d(uniformValues(2 * 5 * 5 * 3, "res x"), [2, 5, 5, 3]);
  const want = (reference.predict(x) as tf.Tensor).dataSync();
  const got = (block.apply(x) as tf.Tensor).dataSync();
  assert.ok(relativeError(got, want) < 1e-6, `relative error ${relativeError(got, want)}`);
  assert.ok(got.some((v, i) => Math.abs(v - Math.max(0, x.dataSync()[i])) > 0.1), "not identity");
});

Deno.test("a residual block's gradients on wasm match cpu", async () => {
  const grads = () => {
    const block = blockWithWeights();
    const x = tf.tensor4d(uniformValues(2 * 5 * 5 * 3, "res x"), [2, 5, 5, 3]);
    const weigh = tf.tensor4d(uniformValues(2 * 5 * 5 * 3, "res weigh"), [2, 5, 5, 3]);
    const variables = block.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(block.apply(x) as tf.Tensor, weigh)) as tf.Scalar,
      variables,
    );
    const out = [value, ...variables.map((v) => grads[v.name])];
    block.dispose();
    return out;
  };
  const expected = await runOn("cpu", grads);
  const actual = await runOn("wasm", grads);
  await selectBackend("cpu");
  assert.equal(actual.length, 5);
  actual.forEach((a, i) => {
    assert.ok(expected[i].some((v) => v !== 0), `gradient ${i} is not all zero`);
    assert.ok(
      relativeError(a, expected[i]) < 1e-4,
      `tensor ${i}: ${relativeError(a, expected[i])}`,
    );
  });
});

Deno.test("a tower's residual blocks sit after their stage's pool and count in its summary", () => {
  for (const spec of [TINY, TOWERS["triplet-residual"]]) {
    const tower = buildTower(spec, new Rng(1));
    const rows = towerSummary(spec);
    assert.equal(rows.at(-1)!.params, countParams(tower), spec.name);
    const names = rows.map((r) => r.layer).filter((n) => !["input", "total"].includes(n));
    assert.deepEqual(names, tower.layers.map((l) => l.name), spec.name);
    tower.dispose();
  }
  const names = towerSummary(TINY).map((r) => r.layer);
  assert.deepEqual(names.slice(1, 6), ["conv1", "pool1", "res1_1", "res1_2", "conv2"]);
  assert.equal(towerSummary(TINY)[3].output, "5x5x4");
  // The residual tower is the triplet tower plus one block of 2 x (3 x 3 x 64 x 64 + 64) weights.
  const plain = towerSummary(TOWERS["triplet-35"]).at(-1)!.params;
  assert.equal(towerSummary(TOWERS["triplet-residual"]).at(-1)!.params, plain + 2 * 36_928);
  assert.throws(
    () => buildTower({ ...TINY, convs: [{ ...TINY.convs[0], residual: 1.5 }] }, new Rng(1)),
    /conv1's residual must be a whole number of blocks, got 1.5/,
  );
});

Deno.test("an embedding net with residual blocks survives saving and loading as the runs do", async () => {
  const net = buildEmbeddingNet(TINY, { dimension: 5, rng: new Rng(1) });
  // Trained weights, not the identity a new block starts as.
  net.setWeights(
    net.getWeights().map((w, i) => tf.tensor(uniformValues(w.size, `w${i}`), w.shape)),
  );
  const dir = tempDir();
  try {
    await saveLayersModel(net, dir);
    const loaded = await loadLayersModel(dir);
    assert.deepEqual(
      loaded.layers.filter((l) => l instanceof ResidualBlock).map((l) => l.name),
      ["res1_1", "res1_2"],
    );
    const rng = new Rng(5);
    const images = {
      size: 12,
      count: 3,
      pixels: Float32Array.from({ length: 3 * 144 }, () => rng.next()),
    };
    assert.deepEqual(embedImages(loaded, images), embedImages(net, images));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
