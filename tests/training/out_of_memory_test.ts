import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { buildTower, type TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { cachedGradients } from "../../lib/training/gradient_cache.ts";
import { train } from "../../lib/training/loop.ts";
import {
  activationBytes,
  convGradientWorkspace,
  explainOutOfMemory,
  isOutOfMemory,
  OutOfMemoryError,
} from "../../lib/training/out_of_memory.ts";
import { SgdMomentum } from "../../lib/training/schedules.ts";
import { constantSchedule } from "../../lib/training/schedules.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const TINY: TowerSpec = {
  name: "tiny",
  inputSize: 12,
  convs: [{ filters: 4, kernel: 3, pool: true }],
  dense: 8,
  denseActivation: "sigmoid",
  init: "he",
};

/** What wasm throws when its heap is exhausted. */
const wasmOom = () => new WebAssembly.RuntimeError("memory access out of bounds");

Deno.test("the backends' out-of-memory failures are recognised, other errors are not", () => {
  for (
    const e of [
      wasmOom(),
      new Error("xnn_create_convolution2d_nhwc_f32 failed with status 6"),
      new Error("Buffer size (1207959552) exceeds the max buffer size limit (268435456)"),
      new RangeError("Array buffer allocation failed"),
    ]
  ) assert.ok(isOutOfMemory(e), e.message);
  for (const e of [new Error("shapes do not match"), new RangeError("index 9 outside [0, 8)")]) {
    assert.ok(!isOutOfMemory(e), e.message);
  }
});

Deno.test("activation estimate follows the layer shapes", () => {
  const tower = buildTower(TINY, new Rng(1));
  const a = activationBytes(tower, 10);
  const conv = a.layers.find((l) => l.name === "conv1")!;
  assert.deepEqual(conv.shape, [10, 10, 10, 4]);
  assert.equal(conv.bytes, 4 * 10 * 10 * 10 * 4);
  assert.equal(a.total, a.layers.reduce((s, l) => s + l.bytes, 0));
});

Deno.test("an explained out-of-memory error names stage, layer, size and the fixes", () => {
  const tower = buildTower(TINY, new Rng(1));
  const err = explainOutOfMemory(wasmOom(), {
    stage: "the backward pass of the chunk at image 32 (taped)",
    model: tower,
    images: 32,
    taped: true,
    chunkImages: 32,
  });
  assert.ok(err instanceof OutOfMemoryError);
  assert.equal(err.layer, "conv1");
  assert.match(err.message, /chunk at image 32/);
  assert.match(err.message, /layer conv1 \(\[32, 10, 10, 4\]/);
  // conv1's weight gradient unrolls 32 x 10 x 10 patches of 3 x 3 x 1 floats.
  assert.match(err.message, /backward pass of layer conv1 unrolls its input patches/);
  assert.equal(convGradientWorkspace(tower, 32)!.bytes, 4 * 32 * 10 * 10 * 9);
  assert.match(err.message, /--chunk 16; now 32 images per chunk/);
  assert.match(err.message, /--profile standard/);
  assert.match(err.message, /memory access out of bounds/);
  // Anything else passes through untouched.
  const other = new Error("shapes do not match");
  assert.equal(explainOutOfMemory(other, { stage: "x" }), other);
});

Deno.test("the weight-gradient workspace and the activations count a residual block's convolutions", () => {
  // conv1 unrolls 32 x 10 x 10 patches of 3 x 3 x 1 floats; the block after the pool, 32 x 5 x 5
  // patches of 3 x 3 x 8 (twice conv1's).
  const spec: TowerSpec = {
    ...TINY,
    convs: [{ filters: 8, kernel: 3, pool: true, residual: 1 }],
  };
  const tower = buildTower(spec, new Rng(1));
  const block = tower.layers.find((l) => l.getClassName() === "ResidualBlock")!;
  assert.deepEqual(convGradientWorkspace(tower, 32), {
    name: block.name,
    bytes: 4 * 32 * 5 * 5 * 9 * 8,
  });
  // Its taped pass keeps four 32 x 5 x 5 x 8 maps, not one.
  const kept = activationBytes(tower, 32).layers.find((l) => l.name === block.name)!;
  assert.deepEqual(kept.shape, [32, 5, 5, 8]);
  assert.equal(kept.bytes, 4 * 4 * 32 * 5 * 5 * 8);
  tower.dispose();
});

Deno.test("a forced out-of-memory failure inside a chunked step names the chunk", () => {
  const tower = buildTower(TINY, new Rng(1));
  const vars = tower.trainableWeights.map((w) => w.read() as tf.Variable);
  let calls = 0;
  const x = tf.zeros([6, 12, 12, 1]) as tf.Tensor4D;
  assert.throws(
    () =>
      cachedGradients({
        images: x,
        chunkImages: 2,
        // Phase 1 runs 3 chunks; the 5th call is the backward pass of the second chunk.
        trunk: (c) => {
          if (++calls === 5) throw wasmOom();
          return tower.apply(c, { training: true }) as tf.Tensor;
        },
        trunkVariables: vars,
        loss: (f) => tf.sum(f) as tf.Scalar,
        lossVariables: [],
        model: tower,
      }),
    (err: Error) => {
      assert.ok(err instanceof OutOfMemoryError, String(err));
      assert.match(err.message, /backward pass of the chunk at image 2/);
      assert.match(err.message, /now 2 images per chunk/);
      return true;
    },
  );
});

Deno.test("a forced out-of-memory failure in a training step stops the loop with the explanation", async () => {
  const tower = buildTower(TINY, new Rng(1));
  const optimizer = new SgdMomentum({ schedule: constantSchedule(0.01) });
  await assert.rejects(
    train({
      models: [tower],
      optimizer,
      batch: () => tf.zeros([4, 12, 12, 1]),
      loss: () => {
        throw wasmOom();
      },
      validate: () => 50,
      steps: 3,
      validateEvery: 1,
      patience: 5,
      maxSeconds: 60,
      imagesPerPass: 4,
      quiet: true,
    }),
    (err: Error) => {
      assert.ok(err instanceof OutOfMemoryError, String(err));
      assert.match(err.message, /training step 0/);
      assert.match(err.message, /layer conv1/);
      return true;
    },
  );
});
