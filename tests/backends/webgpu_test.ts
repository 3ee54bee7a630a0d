/**
 * The WebGPU backend checked without a GPU: on a software adapter (llvmpipe through Vulkan)
 * its kernels compute what a real GPU's would, so gradients and a few training steps are
 * compared with the cpu backend here. Skipped, with the reason, where no adapter exists.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  BackendError,
  selectBackend,
  type SelectOptions,
  WEBGPU_SOFTWARE_ENV,
} from "../../lib/backends/select.ts";
import { buildSiameseHead, buildTower, type TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { relativeError, runOn, uniformValues } from "./compare.ts";
import { allOpGrads, towerOpGrads } from "../../lib/backends/grad_checks.ts";
import { parkOnHost, SyncReadError, useTrainingBackend } from "../../lib/backends/host_reads.ts";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { embedImages } from "../../lib/models/embedding.ts";
import { decodeCheckpoint } from "../../lib/training/checkpoint.ts";
import { trainSiamese } from "../../lib/training/siamese_training.ts";
import { trainTripletEmbedding } from "../../lib/training/triplet_training.ts";
import { getWeights } from "../../lib/training/loop.ts";
import { tempDir, webgpuAdapterMissing } from "../helpers.ts";
import { fakeSplit, tinyTower } from "../training/fixtures.ts";

const MISSING = await webgpuAdapterMissing();
if (MISSING) console.warn(`webgpu_test: WebGPU tests skipped: ${MISSING}`);

const SOFTWARE: SelectOptions = { allowSoftwareWebGpu: true };

/** A test that needs a WebGPU adapter (skipped without one); the GPU backend keeps resources. */
function webgpuTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: MISSING !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

webgpuTest("gradients of the towers' layers and of every loss op match cpu on webgpu", async () => {
  for (const [name, f] of [["tower", towerOpGrads], ["losses", allOpGrads]] as const) {
    const expected = await runOn("cpu", f);
    const actual = await runOn("webgpu", f, SOFTWARE);
    for (let i = 0; i < expected.length; i++) {
      const err = relativeError(actual[i], expected[i]);
      assert.ok(err < 1e-4, `${name} result ${i}: relative error ${err.toExponential(2)}`);
    }
  }
});

/** A tower with every layer kind of the standard net (conv, batch norm, ReLU, pool, dense). */
const TINY: TowerSpec = {
  name: "tiny",
  inputSize: 14,
  convs: [{ filters: 4, kernel: 3, pool: true }, { filters: 8, kernel: 3, pool: true }],
  dense: 16,
  denseActivation: "sigmoid",
  batchNorm: true,
  init: "he",
};

/** Loss of each of `steps` SGD steps of the tiny Siamese net on `backend`, same init and data. */
async function trainTiny(backend: "cpu" | "webgpu", steps: number): Promise<number[]> {
  await selectBackend(backend, undefined, SOFTWARE);
  const rng = new Rng(3, "webgpu tiny");
  const tower = buildTower(TINY, rng.fork("tower"));
  const head = buildSiameseHead(TINY, rng.fork("head"));
  const pairs = 8;
  const s = TINY.inputSize;
  const images = tf.tensor4d(uniformValues(2 * pairs * s * s, "webgpu images"), [
    2 * pairs,
    s,
    s,
    1,
  ]);
  const labels = tf.tensor2d(Array.from({ length: pairs }, (_, i) => i % 2), [pairs, 1]);
  const optimizer = tf.train.sgd(0.1);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(() => {
      const [h1, h2] = tf.split(tower.apply(images, { training: true }) as tf.Tensor2D, 2);
      const logits = head.apply(tf.abs(tf.sub(h1, h2))) as tf.Tensor2D;
      return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
    }, true)!;
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  optimizer.dispose();
  tower.dispose();
  head.dispose();
  tf.dispose([images, labels]);
  return losses;
}

webgpuTest(
  "a tiny Siamese net with batch norm trains on webgpu with falling loss, as on cpu",
  async () => {
    const cpu = await trainTiny("cpu", 8);
    const webgpu = await trainTiny("webgpu", 8);
    assert.ok(webgpu[7] < 0.9 * webgpu[0], `webgpu loss did not fall: ${webgpu.join(", ")}`);
    for (let i = 0; i < cpu.length; i++) {
      const rel = Math.abs(webgpu[i] - cpu[i]) / cpu[i];
      assert.ok(rel < 1e-3, `step ${i}: webgpu ${webgpu[i]} vs cpu ${cpu[i]}`);
    }
  },
);

webgpuTest("a software adapter needs the explicit allowance, and auto never takes it", async () => {
  const adapter = await navigator.gpu.requestAdapter();
  const info = (adapter as unknown as { info?: { description?: string } }).info;
  if (!/llvmpipe|lavapipe|swiftshader/i.test(info?.description ?? "")) return; // a real GPU
  await assert.rejects(
    selectBackend("webgpu", undefined, { allowSoftwareWebGpu: false }),
    (e: unknown) => e instanceof BackendError && e.message.includes(WEBGPU_SOFTWARE_ENV),
  );
  const auto = await selectBackend("auto", undefined, SOFTWARE);
  assert.notEqual(auto.name, "webgpu");
  assert.match(auto.skipped.find((s) => s.name === "webgpu")!.reason, /software renderer/);
  const explicit = await selectBackend("webgpu", undefined, SOFTWARE);
  assert.match(explicit.info, /software adapter/);
});

/** The real Siamese training path (batches, loop, validation, checkpoint) at toy size. */
async function trainTinySiamese(
  backend: "cpu" | "webgpu",
  path: string,
  changes: Partial<SiameseConfig> = {},
) {
  await selectBackend(backend, undefined, SOFTWARE);
  const size = 8;
  const pixel = (c: number, d: number, i: number) =>
    ((c * 7 + i * 3 + (i % size) * c) % 5) / 4 + (d % 3) * 0.01;
  const config: SiameseConfig = {
    ...profileConfig("quick").siamese,
    tower: tinyTower(size),
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    focus: 0,
    steps: 4,
    validateEvery: 2,
    patience: 100,
    learningRate: 0.01,
    maxSeconds: 1e9,
    ...changes,
  };
  const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, size, pixel, "evaluation");
  const { net, result } = await trainSiamese({
    config,
    background: fakeSplit(["A", "B", "C", "D"], 3, size, pixel),
    evaluation,
    rng: new Rng(1, "siamese"),
    checkpoint: { path, configHash: "tiny" },
    quiet: true,
  });
  // What follows training (evaluation, saving) reads synchronously.
  const after = tf.getBackend();
  const embedded = embedImages(net.tower, evaluation.images);
  net.tower.dispose();
  net.head.dispose();
  return { result, after, embedded, saved: decodeCheckpoint(await Deno.readFile(path)) };
}

webgpuTest(
  "the Siamese training loop runs on webgpu (validation, checkpoint, evaluation after) as on cpu",
  async () => {
    const dir = tempDir();
    const cpu = await trainTinySiamese("cpu", `${dir}/cpu.bin`);
    // Before host_reads.ts the first step's loss read threw tfjs's "Cannot read properties of
    // null (reading 'clearRect')" here.
    const gpu = await trainTinySiamese("webgpu", `${dir}/gpu.bin`);
    assert.equal(gpu.result.steps, 4);
    assert.equal(gpu.after, "wasm", "evaluation after training runs on the host backend");
    assert.deepEqual(
      gpu.result.history.map((h) => h.accuracy),
      cpu.result.history.map((h) => h.accuracy),
    );
    for (let i = 0; i < cpu.result.history.length; i++) {
      const [a, b] = [gpu.result.history[i].loss, cpu.result.history[i].loss];
      assert.ok(Math.abs(a - b) / b < 1e-3, `loss ${i}: webgpu ${a} vs cpu ${b}`);
    }
    assert.equal(gpu.saved.step, 4);
    gpu.saved.weights.forEach((w, i) =>
      assert.ok(relativeError(w, cpu.saved.weights[i]) < 1e-3, `weight ${i}`)
    );
    assert.ok(relativeError(gpu.embedded, cpu.embedded) < 1e-3);
  },
);

/**
 * The Siamese losses that read their own values inside the step: on cpu they read the logits
 * or distances there, on webgpu the focal weights are computed on the GPU and hardest-pair
 * mining and the triplet term read ahead of the step (siamese_ahead.ts). Unit features (the
 * cosine head, normalizedFeatures) train with SGD here: their linear layer's bias sits before
 * batch norm, so its gradient is float noise, which Adam would turn into full-size steps.
 */
const READING_LOSSES: [string, Partial<SiameseConfig>][] = [
  // Before focalWeightsTensor the step's synchronous read of the logits threw.
  ["focal weights (quick and standard profiles)", { focus: 2 }],
  // Before siamese_ahead.ts these threw SyncReadError at their first step.
  ["hardest-pair mining, focal", { pairMining: "hardest", focus: 2 }],
  ["hardest-pair mining, plain", { pairMining: "hardest" }],
  [
    "the triplet term on the cosine head",
    { head: "cosine", tripletWeight: 1, focus: 2, optimizer: "sgd" },
  ],
  [
    "the triplet term and hardest pairs, chunked",
    {
      tower: tinyTower(8, { batchNorm: false }),
      normalizedFeatures: true,
      tripletWeight: 1,
      pairMining: "hardest",
      chunkImages: 3,
      optimizer: "sgd",
    },
  ],
];

for (const [name, changes] of READING_LOSSES) {
  webgpuTest(`the Siamese net with ${name} trains on webgpu as on cpu`, async () => {
    const dir = tempDir();
    const cpu = await trainTinySiamese("cpu", `${dir}/cpu.bin`, changes);
    const gpu = await trainTinySiamese("webgpu", `${dir}/gpu.bin`, changes);
    assert.equal(gpu.result.steps, 4);
    for (let i = 0; i < cpu.result.history.length; i++) {
      const [a, b] = [gpu.result.history[i].loss, cpu.result.history[i].loss];
      assert.ok(Math.abs(a - b) / b < 1e-3, `loss ${i}: webgpu ${a} vs cpu ${b}`);
    }
    // Relative to each weight's scale, or within 1e-6 where it stays near 0.
    gpu.saved.weights.forEach((w, i) => {
      const expected = cpu.saved.weights[i];
      const err = relativeError(w, expected);
      const scale = Math.max(...Array.from(expected, Math.abs));
      assert.ok(err < 1e-3 || err * scale < 1e-6, `weight ${i}: relative error ${err}`);
    });
    assert.ok(relativeError(gpu.embedded, cpu.embedded) < 1e-3);
  });
}

/** The triplet net (batch norm, batch-hard mining) at toy size, 6 steps, on `backend`. */
async function trainTinyTriplet(backend: "cpu" | "webgpu", chunkImages?: number) {
  await selectBackend(backend, undefined, SOFTWARE);
  const size = 10;
  const bars = (c: number, d: number, i: number) =>
    Math.floor(i / size) === c % size || (i % size) === (c + d % 2) % size ? 1 : 0;
  const result = await trainTripletEmbedding({
    config: {
      ...profileConfig("quick").triplet,
      // Batch norm in the tower (unchunked) or only on the embedding (the chunked step's tail).
      tower: tinyTower(size, { denseActivation: "linear", batchNorm: chunkImages === undefined }),
      embeddingBatchNorm: true,
      embeddingDim: 8,
      batchCharacters: 4,
      batchDrawings: 2,
      batchPerAlphabet: 1,
      distortions: false,
      steps: 6,
      validateEvery: 3,
      decayEvery: 3,
      patience: 5,
      maxSeconds: 1e9,
      chunkImages,
    },
    miner: "batch-hard",
    background: fakeSplit(["A", "B", "C", "D", "E"], 4, size, bars),
    evaluation: fakeSplit(VALIDATION_ALPHABETS, 20, size, bars, "evaluation"),
    rng: new Rng(2),
    quiet: true,
  });
  // The dense bias before the embedding batch norm has a gradient of rounding noise only (the
  // norm subtracts the batch mean), which Adam turns into steps of the learning rate's size in
  // the noise's direction: it differs between any two backends and changes no output; the
  // norm's moving mean carries it. The moving variance stays compared: a second update of
  // the statistics by the pass ahead would move it.
  const noise = /^(features\/bias|embedding_bn\/moving_mean)/;
  const weights = getWeights([result.model]).filter((_, i) =>
    !noise.test(result.model.weights[i].name)
  );
  result.model.dispose();
  return { result, weights };
}

webgpuTest(
  "the triplet net mines ahead of each step on webgpu and trains as on cpu, chunked or not",
  async () => {
    for (const chunkImages of [undefined, 4]) {
      const cpu = await trainTinyTriplet("cpu", chunkImages);
      // Before the mining ahead the miner's read of the distance matrix threw here.
      const gpu = await trainTinyTriplet("webgpu", chunkImages);
      assert.deepEqual(
        gpu.result.kinds.map((k) => [k.hard, k.semiHard, k.easy]),
        cpu.result.kinds.map((k) => [k.hard, k.semiHard, k.easy]),
        "the same triplets were mined",
      );
      for (let i = 0; i < cpu.result.train.history.length; i++) {
        const [a, b] = [gpu.result.train.history[i].loss, cpu.result.train.history[i].loss];
        assert.ok(Math.abs(a - b) <= 1e-3 * Math.abs(b) + 1e-6, `loss ${i}: ${a} vs ${b}`);
      }
      // Batch-norm moving statistics (not trainable) too: the extra pass left them alone.
      gpu.weights.forEach((w, i) =>
        assert.ok(relativeError(w, cpu.weights[i]) < 1e-3, `weight ${i} (chunks ${chunkImages})`)
      );
    }
  },
);

webgpuTest(
  "a synchronous read of GPU-only data on webgpu says what to do instead of tfjs's TypeError",
  async () => {
    await selectBackend("webgpu", undefined, SOFTWARE);
    const x = tf.mul(tf.randomUniform([4096], 0, 1, "float32", 1), 2);
    assert.throws(
      () => x.dataSync(),
      (e: unknown) => e instanceof SyncReadError && /--backend wasm/.test(e.message),
    );
    // Values read asynchronously are on the host: a synchronous read of them works.
    const values = await x.data();
    assert.deepEqual(x.dataSync(), values);
    x.dispose();
  },
);

webgpuTest(
  "the entry points park on the host after selecting webgpu: reads work there, training switches back",
  async () => {
    await selectBackend("webgpu", undefined, SOFTWARE);
    assert.equal(tf.getBackend(), "webgpu");
    assert.equal(await parkOnHost(), "wasm", "it names where it parked");
    assert.equal(tf.getBackend(), "wasm");
    // What evaluates a reused model reads synchronously; on webgpu this threw SyncReadError.
    const x = tf.mul(tf.randomUniform([4096], 0, 1, "float32", 1), 2);
    assert.equal(x.dataSync().length, 4096);
    x.dispose();
    await useTrainingBackend();
    assert.equal(tf.getBackend(), "webgpu");
    // On any other backend parking changes nothing.
    await selectBackend("cpu");
    assert.equal(await parkOnHost(), undefined);
    assert.equal(tf.getBackend(), "cpu");
  },
);
