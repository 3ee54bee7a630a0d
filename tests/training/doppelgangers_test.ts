import { selectBackend } from "../../lib/backends/select.ts";
import * as assert from "node:assert/strict";
import * as tfl from "@tensorflow/tfjs-layers";
import * as tf from "@tensorflow/tfjs-core";
import {
  DoppelgangerSampler,
  isDoppelgangerCount,
  nearestRows,
} from "../../lib/training/doppelgangers.ts";
import { batchCharacter, batchOf } from "../../lib/training/batches.ts";
import { quarterTurn, turnedLabel } from "../../lib/training/quarter_turns.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "./fixtures.ts";

await selectBackend("cpu");

Deno.test("nearestRows: the k nearest by cosine, nearest first, never the row itself, in any chunking", () => {
  // Unit vectors at angles 0, 10, 30, 55, 105 degrees (no ties).
  const angles = [0, 10, 30, 55, 105].map((a) => (a * Math.PI) / 180);
  const points = Float32Array.from(angles.flatMap((a) => [Math.cos(a), Math.sin(a)]));
  const near = nearestRows(points, 5, 2);
  assert.deepEqual([...near], [1, 2, 0, 2, 1, 3, 2, 1, 3, 2]);
  assert.deepEqual([...nearestRows(points, 5, 2, 2)], [...near], "chunks of 2 rows");
  assert.deepEqual([...nearestRows(points, 5, 4)].slice(0, 4), [1, 2, 3, 4]);
  assert.throws(() => nearestRows(points, 5, 5), /k must be/);
});

/** A model whose embedding of an image is [mean pixel, 1]: characters placed by their ink. */
function meanInkModel(size: number): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [size, size, 1] }),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  const n = size * size;
  const kernel = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) kernel[2 * i] = 1 / n;
  model.layers[1].setWeights([tf.tensor2d(kernel, [n, 2]), tf.tensor1d([0, 1])]);
  return model;
}

// Four alphabets of five characters; character c's every drawing is ink c / 100 all over.
const NAMES = ["a", "b", "c", "d"];
const split = fakeSplit(NAMES, 5, 4, (c) => c / 100);

Deno.test("DoppelgangerSampler: the characters' neighbours under the model, then batches of seeds and their doppelgangers", () => {
  const sampler = new DoppelgangerSampler({ split, turns: 1, neighbours: 2 });
  assert.equal(sampler.ready, false);
  assert.throws(() => sampler.characters(new Rng(1), 8), /refresh/);
  sampler.refresh(meanInkModel(4), new Rng(2));
  assert.equal(sampler.ready, true);
  // Angles atan(c / 100) grow ever more slowly: c + 1 is nearer than c - 1.
  assert.deepEqual([...sampler.neighboursOf(0)], [1, 2]);
  assert.deepEqual([...sampler.neighboursOf(7)], [8, 6]);
  assert.deepEqual([...sampler.neighboursOf(19)], [18, 17]);
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Rng(seed);
    const chars = sampler.characters(rng, 8);
    const labels = chars.map((c) => turnedLabel(c.character, c.turn, 20));
    assert.equal(new Set(labels).size, 8, "distinct characters");
    const seeds = labels.filter((_, i) => i % 2 === 0);
    const alphabets = seeds.map((l) => split.characters[l].alphabet);
    assert.equal(new Set(alphabets).size, 4, "one seed from each of 4 alphabets");
    for (let j = 0; j < 4; j++) {
      const before = new Set(labels.slice(0, 2 * j + 1));
      const free = [...sampler.neighboursOf(labels[2 * j])].filter((l) => !before.has(l));
      if (free.length > 0) assert.ok(free.includes(labels[2 * j + 1]), `seed ${seed} pair ${j}`);
    }
  }
  assert.throws(() => sampler.characters(new Rng(1), 7), /even/);
  assert.throws(() => sampler.characters(new Rng(1), 10), /even, 2 to 8/);
});

Deno.test("DoppelgangerSampler: quarter turns are characters of their own; a batch holds K drawings of each", () => {
  const sampler = new DoppelgangerSampler({ split, turns: 4, neighbours: 3 });
  sampler.refresh(meanInkModel(4), new Rng(2));
  const labels = new Set<number>();
  for (let seed = 1; seed <= 30; seed++) {
    for (const c of sampler.characters(new Rng(seed), 8)) {
      labels.add(turnedLabel(c.character, c.turn, 20));
    }
  }
  assert.ok([...labels].every((l) => l >= 0 && l < 80));
  assert.ok([...labels].some((l) => l >= 20), "turned characters drawn");
  const batch = sampler.batch(new Rng(4), 4, { drawings: 3 });
  assert.equal(batch.count, 12);
  for (let p = 0; p < 4; p++) {
    const label = batch.labels[3 * p];
    assert.deepEqual([...batch.labels.slice(3 * p, 3 * p + 3)], [label, label, label]);
    const { character } = batchCharacter(label, 20);
    assert.equal(
      split.alphabets[batch.alphabets[3 * p]].name,
      split.characters[character].alphabet,
    );
    assert.ok(Math.abs(batch.images[3 * p * 16] - character / 100) < 1e-6, "the character's ink");
  }
  assert.throws(() => new DoppelgangerSampler({ split, turns: 5, neighbours: 2 }), /turns/);
  assert.throws(() => new DoppelgangerSampler({ split, turns: 1, neighbours: 0 }), /neighbours/);
  assert.ok(isDoppelgangerCount(1) && isDoppelgangerCount(100));
  assert.ok(!isDoppelgangerCount(0) && !isDoppelgangerCount(2.5) && !isDoppelgangerCount(101));
});

Deno.test("batchOf: K drawers of each given character in order, turned and mirrored, labelled as sampleBatch labels", () => {
  // Pixels that tell image and position apart, so a turn is visible.
  const s = fakeSplit(NAMES, 5, 3, (c, d, i) => c * 1000 + d * 10 + i);
  const wanted = [
    { character: 3, turn: 0, mirror: false },
    { character: 12, turn: 1, mirror: false },
    { character: 7, turn: 2, mirror: true },
  ];
  const b = batchOf(s, new Rng(6), wanted, { drawings: 2 });
  assert.equal(b.count, 6);
  assert.deepEqual([...b.labels], [3, 3, 32, 32, 7 + 6 * 20, 7 + 6 * 20]);
  assert.deepEqual([...b.alphabets], [0, 0, 2, 2, 1, 1]);
  wanted.forEach((w, p) => assert.deepEqual(batchCharacter(b.labels[2 * p], 20), w));
  // Image 2 is a drawing of character 12 turned once.
  const drawer = (b.images[2 * 9 + 4] - 12 * 1000 - 4) / 10; // the centre pixel stays put
  const src = s.images.pixels.subarray((12 * 20 + drawer) * 9, (12 * 20 + drawer + 1) * 9);
  const turned = new Float32Array(9);
  quarterTurn(src, turned, 3, 1);
  assert.deepEqual([...b.images.subarray(2 * 9, 3 * 9)], [...turned]);
  assert.throws(() =>
    batchOf(s, new Rng(1), [{ character: 99, turn: 0, mirror: false }], {
      drawings: 2,
    }), /not in/);
});
