import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { trainSiamese } from "../../lib/training/siamese_training.ts";
import { Rng } from "../../lib/rng.ts";
import { decodeCheckpoint } from "../../lib/training/checkpoint.ts";
import { getWeights, train, TrainingDivergedError } from "../../lib/training/loop.ts";
import { constantSchedule, SgdMomentum } from "../../lib/training/schedules.ts";
import { tempDir } from "../helpers.ts";
import { fakeSplit, tinyTower } from "./fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SIZE = 8;
const pixel = (c: number, d: number, i: number) =>
  ((c * 7 + i * 3 + (i % SIZE) * c) % 5) / 4 + (d % 3) * 0.01;
const background = fakeSplit(["A", "B", "C", "D"], 3, SIZE, pixel);
const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, SIZE, pixel, "evaluation");

function tinyConfig(): SiameseConfig {
  return {
    ...profileConfig("quick").siamese,
    tower: tinyTower(SIZE),
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    steps: 6,
    validateEvery: 2,
    patience: 100,
    learningRate: 0.01,
    maxSeconds: 1e9,
  };
}

async function runTiny(steps: number, path: string) {
  const config = { ...tinyConfig(), steps };
  const { net, result } = await trainSiamese({
    config,
    background,
    evaluation,
    rng: new Rng(1, "siamese"),
    checkpoint: { path, configHash: "tiny" },
    quiet: true,
  });
  net.tower.dispose();
  net.head.dispose();
  return { ...decodeCheckpoint(await Deno.readFile(path)), resumedFrom: result.resumedFrom };
}

Deno.test("a run killed after 4 steps and resumed reaches the same weights and optimiser state as an uninterrupted one", async () => {
  const dir = tempDir();
  const straight = await runTiny(6, `${dir}/a.bin`);
  await runTiny(4, `${dir}/b.bin`); // "killed" at step 4: its checkpoint is all that remains
  const resumed = await runTiny(6, `${dir}/b.bin`);
  assert.equal(straight.step, 6);
  assert.equal(resumed.step, 6);
  assert.equal(resumed.resumedFrom, 4);
  assert.equal(straight.resumedFrom, 0);
  assert.deepEqual(resumed.weights, straight.weights);
  assert.deepEqual(resumed.optimizer, straight.optimizer);
  assert.deepEqual(resumed.early.bestWeights, straight.early.bestWeights);
  const strip = (h: typeof straight.history) => h.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(strip(resumed.history), strip(straight.history));
  // The weights did move.
  const first = await runTiny(2, `${dir}/c.bin`);
  assert.notDeepEqual(first.weights, straight.weights);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a damaged checkpoint is not resumed: training starts over, says so, and ends where an uninterrupted run does", async () => {
  const dir = tempDir();
  const straight = await runTiny(6, `${dir}/a.bin`);
  await runTiny(4, `${dir}/b.bin`);
  const bytes = Deno.readFileSync(`${dir}/b.bin`);
  bytes[bytes.length - 64] ^= 0x40; // a weight, same file size
  Deno.writeFileSync(`${dir}/b.bin`, bytes);
  const lines: string[] = [];
  const { net, result } = await trainSiamese({
    config: tinyConfig(),
    background,
    evaluation,
    rng: new Rng(1, "siamese"),
    checkpoint: { path: `${dir}/b.bin`, configHash: "tiny" },
    quiet: true,
    log: (l) => lines.push(l),
  });
  net.tower.dispose();
  net.head.dispose();
  assert.equal(result.resumedFrom, 0);
  assert.match(lines.join("\n"), /b\.bin cannot be used \(checkpoint: fails its checksum/);
  assert.deepEqual(decodeCheckpoint(Deno.readFileSync(`${dir}/b.bin`)).weights, straight.weights);
  await Deno.remove(dir, { recursive: true });
});

function tinyModel(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.dense({
      inputShape: [2],
      units: 1,
      kernelInitializer: "ones",
      biasInitializer: "zeros",
    }),
  );
  return m;
}

Deno.test("a NaN loss stops the run with a message naming the step", async () => {
  const model = tinyModel();
  await assert.rejects(
    () =>
      train({
        models: [model],
        optimizer: new SgdMomentum({ schedule: constantSchedule(0.1) }),
        batch: () => tf.ones([1, 2]),
        loss: (x) => tf.mul(tf.sum(model.apply(x) as tf.Tensor), NaN) as tf.Scalar,
        validate: () => 0,
        steps: 5,
        validateEvery: 1,
        patience: 5,
        maxSeconds: 100,
        quiet: true,
      }),
    (err: Error) =>
      err instanceof TrainingDivergedError && /diverged at step 0: loss NaN/.test(err.message),
  );
  model.dispose();
});

Deno.test("an exploding loss stops the run", async () => {
  const model = tinyModel();
  await assert.rejects(
    () =>
      train({
        models: [model],
        optimizer: new SgdMomentum({ schedule: constantSchedule(0.1) }),
        batch: () => tf.ones([1, 2]),
        loss: (x) => tf.mul(tf.sum(model.apply(x) as tf.Tensor), 1e6) as tf.Scalar,
        validate: () => 0,
        steps: 5,
        validateEvery: 1,
        patience: 5,
        maxSeconds: 100,
        maxLoss: 1e4,
        quiet: true,
      }),
    /above 10000/,
  );
  model.dispose();
});

Deno.test("running out of memory in a step names its taped passes: one, or two with sharpness-aware steps", async () => {
  const stage = async (sharpness?: number) => {
    const model = tinyModel();
    try {
      await train({
        models: [model],
        optimizer: new SgdMomentum({ schedule: constantSchedule(0.1) }),
        batch: () => tf.ones([1, 2]),
        loss: () => {
          throw new Error("Out of memory (simulated)");
        },
        validate: () => 0,
        sharpness,
        steps: 2,
        validateEvery: 1,
        patience: 5,
        maxSeconds: 100,
        quiet: true,
      });
      return "trained";
    } catch (err) {
      return (err as Error).message;
    } finally {
      model.dispose();
    }
  };
  assert.match(await stage(), /in training step 0 \(one taped pass over the batch\)/);
  assert.match(
    await stage(0.05),
    /in training step 0 \(two taped passes over the batch, one after the other\)/,
  );
});

Deno.test("training stops at the time budget, validates what it trained, and puts the best weights back", async () => {
  const model = tinyModel();
  let clock = 0;
  const accuracies = [10, 30, 20];
  let v = 0;
  const weightsAtValidation: number[] = [];
  const result = await train({
    models: [model],
    optimizer: new SgdMomentum({ schedule: constantSchedule(0.1) }),
    batch: () => {
      clock += 1000; // each step takes one second
      return tf.ones([1, 2]);
    },
    loss: (x) => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar,
    validate: () => {
      weightsAtValidation.push(getWeights([model])[0][0]);
      return accuracies[v++];
    },
    steps: 100,
    validateEvery: 2,
    patience: 5,
    maxSeconds: 5,
    now: () => clock,
    quiet: true,
  });
  assert.equal(result.stoppedBy, "time");
  assert.equal(result.steps, 5);
  // validations after steps 2 and 4, then one for step 5 before stopping
  assert.deepEqual(result.history.map((h) => h.step), [2, 4, 5]);
  assert.equal(result.bestAccuracy, 30);
  assert.equal(result.bestStep, 4);
  assert.equal(getWeights([model])[0][0], weightsAtValidation[1]);
  model.dispose();
});
