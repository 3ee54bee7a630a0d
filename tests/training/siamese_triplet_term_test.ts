import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { profileConfig } from "../../lib/profiles.ts";
import type { SiameseConfig } from "../../lib/config.ts";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { buildCosineHead } from "../../lib/models/cosine_head.ts";
import { Rng } from "../../lib/rng.ts";
import { chunkedModelGradients } from "../../lib/training/gradient_cache.ts";
import { allPairs, differenceMatrix } from "../../lib/training/pairs.ts";
import { siameseLossOfFeatures } from "../../lib/training/siamese_loss.ts";
import {
  siameseLossWithTerm,
  tripletTerm,
  tripletTermProblem,
} from "../../lib/training/siamese_triplet_term.ts";
import { buildSiamese } from "../../lib/models/siamese_net.ts";
import { fakeSplit, firstSiameseLoss, tinyTower } from "./fixtures.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

/** Two characters x two drawings, as unit vectors in the plane. */
const LABELS = [0, 0, 1, 1];
const FEATURES = [[1, 0], [0.6, 0.8], [0, 1], [-1, 0]];

function pairBatch(labels: number[]) {
  const pairs = allPairs(labels);
  const n = pairs.left.length;
  return {
    images: tf.zeros([labels.length, 1, 1, 1]) as tf.Tensor4D,
    difference: tf.tensor2d(differenceMatrix(pairs, labels.length), [n, labels.length]),
    target: tf.tensor2d(Float32Array.from(pairs.same), [n, 1]),
    weight: tf.tensor2d(pairs.weight, [n, 1]),
    same: pairs.same,
    weights: pairs.weight,
    labels,
  };
}

Deno.test("the triplet term adds w times the batch-hard margin loss, computed by hand, to the cross-entropy", () => {
  const head = buildCosineHead(2);
  const features = tf.tensor2d(FEATURES);
  const batch = pairBatch(LABELS);
  const bce = siameseLossOfFeatures(head, features, batch).dataSync()[0];
  assert.equal(tripletTerm(undefined), null);
  assert.equal(tripletTerm(0), null);
  assert.equal(siameseLossWithTerm(head, features, batch, {}, null).dataSync()[0], bce);
  // Squared distances: a0-a1 0.8; a0-b0 2, a0-b1 4; a1-b0 0.4, a1-b1 3.2; b0-b1 2. Each
  // anchor's farthest positive and nearest negative, margin 0.2: a0 0.8 - 2 -> 0; a1 0.8 - 0.4
  // -> 0.6; b0 2 - 0.4 -> 1.8; b1 2 - 3.2 -> 0. Mean over the two violated: 1.2.
  for (const w of [1, 0.5]) {
    const joint = siameseLossWithTerm(head, features, batch, {}, tripletTerm(w)).dataSync()[0];
    assert.ok(Math.abs(joint - (bce + w * 1.2)) < 1e-5, `w ${w}: ${joint} vs ${bce} + ${w} x 1.2`);
  }
  assert.throws(
    () => siameseLossWithTerm(head, features, { ...batch, labels: undefined }, {}, tripletTerm(1)),
    /no character labels/,
  );
  assert.throws(() => tripletTerm(-1), /tripletWeight must be a number >= 0/);
});

Deno.test("the triplet term's gradient is the same through the memory-bounded step", () => {
  const tower = tinyTower(8, { dense: 3, denseActivation: "linear", batchNorm: false });
  const net = buildSiamese(tower, new Rng(2), { head: "cosine" });
  const labels = [0, 0, 1, 1, 2, 2];
  const batch = {
    ...pairBatch(labels),
    images: tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 4) as tf.Tensor4D,
  };
  const term = tripletTerm(1);
  const vars = [...net.tower.trainableWeights, ...net.head.trainableWeights].map((w) =>
    w.read() as tf.Variable
  );
  const whole = tf.variableGrads(
    () =>
      siameseLossWithTerm(
        net.head,
        net.tower.apply(batch.images, { training: true }) as tf.Tensor2D,
        batch,
        {},
        term,
      ),
    vars,
  );
  const chunked = chunkedModelGradients(
    net.tower,
    batch.images,
    4,
    (f) => siameseLossWithTerm(net.head, f as tf.Tensor2D, batch, {}, term),
    net.head.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  assert.ok(Math.abs(whole.value.dataSync()[0] - chunked.value.dataSync()[0]) < 1e-5);
  for (const v of vars) {
    const a = whole.grads[v.name].dataSync(), b = chunked.grads[v.name].dataSync();
    const scale = Math.max(1e-6, ...Array.from(a, Math.abs));
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * scale + 1e-6, v.name);
    }
  }
});

const SIZE = 8;
const pixel = (c: number, d: number, i: number) =>
  ((c * 7 + i * 3 + (i % SIZE) * c) % 5) / 4 + (d % 3) * 0.01;
const background = fakeSplit(["A", "B", "C", "D"], 3, SIZE, pixel);
const evaluation = fakeSplit(VALIDATION_ALPHABETS, 20, SIZE, pixel, "evaluation");

function tinyConfig(extra: Partial<SiameseConfig>): SiameseConfig {
  return {
    ...profileConfig("quick").siamese,
    tower: tinyTower(SIZE, { denseActivation: "linear" }),
    batchCharacters: 4,
    batchDrawings: 2,
    batchPerAlphabet: 1,
    steps: 2,
    validateEvery: 2,
    patience: 100,
    learningRate: 0.01,
    maxSeconds: 1e9,
    head: "cosine",
    ...extra,
  };
}

const firstLoss = (config: SiameseConfig) => firstSiameseLoss(config, background, evaluation);

Deno.test("trainSiamese trains with the term when tripletWeight is set, and refuses it without unit features", async () => {
  const plain = await firstLoss(tinyConfig({}));
  const joint = await firstLoss(tinyConfig({ tripletWeight: 10 }));
  // Same weights, same batch: the term (>= 0, mostly > 0 at initialisation) is all that differs.
  assert.ok(joint > plain + 0.01, `loss ${plain} -> ${joint}`);
  await assert.rejects(
    () => firstLoss(tinyConfig({ tripletWeight: 1, head: "weighted-l1" })),
    /tripletWeight needs unit features/,
  );
  assert.equal(
    tripletTermProblem({ tripletWeight: 1, head: "weighted-l1", normalizedFeatures: true }),
    null,
  );
  assert.match(tripletTermProblem({ tripletWeight: 1, head: "cosine" }, true)!, /fixed pool/);
  assert.equal(tripletTermProblem({ head: "weighted-l1" }), null);
});
