import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { fakeSplit, firstSiameseLoss, tinyTower } from "./fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const SIZE = 12;
const pixel = (c: number, d: number, i: number) =>
  ((c * 7 + i * 3 + (i % SIZE) * c) % 5) / 4 + (d % 3) * 0.01;
const background = fakeSplit(["A", "B", "C", "D"], 3, SIZE, pixel);
const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, SIZE, pixel, "evaluation");

/** The first validation window's mean loss of a 2-step run with `changes`. */
const firstLoss = (changes: Partial<SiameseConfig>) =>
  firstSiameseLoss(
    {
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
    },
    background,
    evaluation,
  );

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
