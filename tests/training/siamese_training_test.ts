import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { fakeSplit, firstSiameseLoss, tinyTower } from "./fixtures.ts";
import { firstAlphabets } from "../../lib/data/alphabet_subset.ts";
import { Rng } from "../../lib/rng.ts";
import { fixedPairPool, trainSiamese } from "../../lib/training/siamese_training.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SIZE = 12;
const pixel = (c: number, d: number, i: number) =>
  ((c * 7 + i * 3 + (i % SIZE) * c) % 5) / 4 + (d % 3) * 0.01;
const background = fakeSplit(["A", "B", "C", "D"], 3, SIZE, pixel);
const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, SIZE, pixel, "evaluation");

/** A 2-step Siamese run's settings on these splits, with `changes`. */
const config = (changes: Partial<SiameseConfig>): SiameseConfig => ({
  ...profileConfig("quick").siamese,
  tower: tinyTower(SIZE),
  batchCharacters: 4,
  batchDrawings: 2,
  batchPerAlphabet: 1,
  distortions: false,
  steps: 2,
  validateEvery: 2,
  patience: 100,
  maxSeconds: 1e9,
  ...changes,
});

/** The first validation window's mean loss of a 2-step run with `changes`. */
const firstLoss = (changes: Partial<SiameseConfig>) =>
  firstSiameseLoss(config(changes), background, evaluation);

Deno.test("the settings that change a batch's images reach the Siamese net's batches: thick strokes, elastic distortions, erasing", async () => {
  const plain = await firstLoss({});
  assert.equal(await firstLoss({}), plain, "the same run, the same loss");
  for (const changes of [{ thickStrokes: 1 }, { elastic: 6 }, { erasing: 1 }]) {
    assert.notEqual(await firstLoss(changes), plain, JSON.stringify(changes));
  }
});

Deno.test("the Siamese net refuses dropout with chunked steps before it builds a net, and trains with it unchunked", async () => {
  const tower = { ...tinyTower(SIZE), dropout: 0.3 };
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => firstLoss({ tower, chunkImages: 4 }),
    /tower.dropout cannot be combined with chunkImages/,
  );
  assert.equal(tf.memory().numTensors, before, "a refused call leaves no tensors behind");
  const dropped = await firstLoss({ tower });
  assert.equal(await firstLoss({ tower }), dropped, "one seed fixes the masks");
  assert.notEqual(dropped, await firstLoss({}), "the masks change the loss");
});

Deno.test("trainingAlphabets cuts the Siamese net's batches to the first alphabets, and a fixed pool refuses it", async () => {
  // Two characters from each of two alphabets a batch, so that two alphabets can fill one.
  const cut = await firstLoss({ trainingAlphabets: 2, batchPerAlphabet: 2 });
  assert.notEqual(cut, await firstLoss({ batchPerAlphabet: 2 }), "other characters, other batches");
  const onCut = await firstSiameseLoss(
    config({ batchPerAlphabet: 2 }),
    firstAlphabets(background, 2),
    evaluation,
  );
  assert.equal(cut, onCut, "as on a split cut to them");
  const pool = fixedPairPool(background, new Rng(1), { trainPairs: 40, distortions: false }, 8);
  await assert.rejects(
    () =>
      trainSiamese({
        config: config({ trainingAlphabets: 2 }),
        background,
        evaluation,
        rng: new Rng(1),
        pool,
        quiet: true,
      }),
    /a fixed pool of pairs names its own images/,
  );
});

Deno.test("a Siamese run leaves no tensors behind once its net is disposed, nor one that diverges", async () => {
  const poisoned = fakeSplit(["A", "B", "C", "D"], 3, SIZE, () => NaN);
  const before = tf.memory().numTensors;
  // The profile's averaged weights included (their copies once stayed behind, 9 tensors a run).
  await firstLoss({ weightAverage: 0.99 });
  assert.equal(tf.memory().numTensors, before, "a finished run, its net disposed");
  await assert.rejects(
    () => firstSiameseLoss(config({}), poisoned, evaluation),
    /training diverged at step 0/,
  );
  assert.equal(tf.memory().numTensors, before, "the net, its optimiser and averages disposed");
});

Deno.test("a Siamese run that throws after its net is built leaves no tensors: bad rate, bad momentum, no validation alphabets", async () => {
  const before = tf.memory().numTensors;
  await assert.rejects(() => firstLoss({ learningRate: 0 }), /learningRate must be a positive/);
  assert.equal(tf.memory().numTensors, before, "a schedule refused");
  await assert.rejects(
    () => firstLoss({ optimizer: "sgd", momentum: 1 }),
    /finalMomentum must lie in \[0, 1\)/,
  );
  assert.equal(tf.memory().numTensors, before, "a momentum refused");
  await assert.rejects(
    () => firstSiameseLoss(config({}), background, background),
    /is not in background/,
  );
  assert.equal(tf.memory().numTensors, before, "a validation task that cannot be drawn");
});
