import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { STANDARD_35 } from "../../lib/models/koch.ts";
import { isLinearConv2D, skipInputGradient } from "../../lib/models/input_conv.ts";
import { buildSiamese } from "../../lib/models/siamese_net.ts";
import { Rng } from "../../lib/rng.ts";

/** Drops `skipInputGradient`'s own `call`, giving the layer tfjs-layers' call back. */
function restoreStockCall(layer: tfl.layers.Layer): void {
  delete (layer as unknown as { call?: unknown }).call;
}

/** Tower outputs and the gradients of every trainable weight for a fixed batch and loss. */
function forwardAndGradients(tower: tfl.LayersModel, images: tf.Tensor4D) {
  const weights = tower.trainableWeights.map((w) => w.read() as tf.Variable);
  let outputs: Float32Array = new Float32Array();
  const grads = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const y = tower.apply(images, { training: true }) as tf.Tensor;
      outputs = y.dataSync() as Float32Array;
      // A loss that weighs every output differently, so each gradient entry is exercised.
      return tf.sum(tf.mul(y, tf.reshape(tf.linspace(-1, 1, y.size), y.shape)));
    }, weights);
    return weights.map((w) => grads[w.name].dataSync() as Float32Array);
  });
  return { outputs, grads };
}

async function kernelNamesOfStep(tower: tfl.LayersModel, images: tf.Tensor4D): Promise<string[]> {
  const weights = tower.trainableWeights.map((w) => w.read() as tf.Variable);
  const info = await tf.profile(() => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.sum(tower.apply(images, { training: true }) as tf.Tensor),
        weights,
      );
      Object.values(grads).forEach((g) => g.dataSync());
    });
  });
  return info.kernels.map((k) => k.name);
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`${backend}: the standard tower trains bit for bit as with tfjs's own conv1 call, without the images' gradient`, async () => {
    await selectBackend(backend, () => {}, { wasmThreads: 1 });
    const spec = STANDARD_35;
    const { tower } = buildSiamese(spec, new Rng(7, "input-conv"));
    const first = tower.layers[0];
    assert.ok(isLinearConv2D(first), "conv1 of a batch-normalised tower is linear");
    const rng = new Rng(3, "images");
    const images = tf.tensor4d(
      Float32Array.from({ length: 2 * 35 * 35 }, () => rng.next()),
      [2, 35, 35, 1],
    );
    const patched = forwardAndGradients(tower, images);
    const patchedKernels = await kernelNamesOfStep(tower, images);
    restoreStockCall(first);
    const stock = forwardAndGradients(tower, images);
    const stockKernels = await kernelNamesOfStep(tower, images);
    assert.deepEqual(patched.outputs, stock.outputs);
    assert.equal(patched.grads.length, tower.trainableWeights.length);
    patched.grads.forEach((g, i) => assert.deepEqual(g, stock.grads[i], `weight ${i}`));
    const count = (names: string[], k: string) => names.filter((n) => n === k).length;
    assert.equal(count(stockKernels, "Conv2DBackpropInput"), spec.convs.length);
    assert.equal(count(patchedKernels, "Conv2DBackpropInput"), spec.convs.length - 1);
    assert.equal(count(patchedKernels, "Conv2DBackpropFilter"), spec.convs.length);
    images.dispose();
    tower.dispose();
  });
}

Deno.test("skipInputGradient keeps the bias gradient of a biased linear convolution", async () => {
  await selectBackend("cpu");
  const make = () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({
      inputShape: [6, 6, 1],
      filters: 3,
      kernelSize: 3,
      activation: "linear",
      useBias: true,
      kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }),
      biasInitializer: tfl.initializers.randomNormal({ seed: 2 }),
    }));
    return m;
  };
  const stock = make();
  const patched = make();
  skipInputGradient(patched.layers[0]);
  const x = tf.randomUniform([2, 6, 6, 1], 0, 1, "float32", 5) as tf.Tensor4D;
  const a = forwardAndGradients(stock, x);
  const b = forwardAndGradients(patched, x);
  assert.deepEqual(b.outputs, a.outputs);
  assert.equal(b.grads.length, 2);
  b.grads.forEach((g, i) => assert.deepEqual(g, a.grads[i]));
});

Deno.test("skipInputGradient refuses a layer it would not reproduce", async () => {
  await selectBackend("cpu");
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: "relu" }),
  );
  assert.equal(isLinearConv2D(m.layers[0]), false);
  assert.throws(() => skipInputGradient(m.layers[0]), /not a linear, channels-last Conv2D/);
});
