import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { distanceByName } from "../../lib/distances/by_name.ts";
import { TripletMarginLoss } from "../../lib/losses/triplet_margin.ts";
import { minerByName } from "../../lib/miners/by_name.ts";
import { buildEmbeddingNet } from "../../lib/models/embedding.ts";
import { buildSiameseHead, buildTower, type TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import {
  chunkedModelGradients,
  ChunkingError,
  splitForChunks,
  type StepGradients,
} from "../../lib/training/gradient_cache.ts";
import { allPairs, differenceMatrix } from "../../lib/training/pairs.ts";
import { siameseLoss, siameseLossOfFeatures } from "../../lib/training/siamese_loss.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

/** A tower small enough for the cpu backend, no batch norm (like the paper's). */
const TINY: TowerSpec = {
  name: "tiny",
  inputSize: 12,
  convs: [{ filters: 4, kernel: 3, pool: true }, { filters: 6, kernel: 3, pool: false }],
  dense: 8,
  denseActivation: "sigmoid",
  init: "he",
};

/** P = 4 characters x K = 2 drawings, random pixels. */
const LABELS = [0, 0, 1, 1, 2, 2, 3, 3];
const images = () =>
  tf.randomUniform([LABELS.length, 12, 12, 1], 0, 1, "float32", 7) as tf.Tensor4D;

function siameseBatch() {
  const pairs = allPairs(LABELS);
  const n = pairs.left.length;
  return {
    images: images(),
    difference: tf.tensor2d(differenceMatrix(pairs, LABELS.length), [n, LABELS.length]),
    target: tf.tensor2d(Float32Array.from(pairs.same), [n, 1]),
    weight: tf.tensor2d(pairs.weight, [n, 1]),
    same: pairs.same,
    weights: pairs.weight,
  };
}

/** Gradients of both computations agree within float rounding, variable by variable. */
function assertSameGradients(
  whole: StepGradients,
  chunked: StepGradients,
  variables: readonly tf.Variable[],
) {
  assert.ok(Math.abs(whole.value.dataSync()[0] - chunked.value.dataSync()[0]) < 1e-6);
  for (const v of variables) {
    const a = whole.grads[v.name].dataSync(), b = chunked.grads[v.name].dataSync();
    assert.equal(a.length, b.length, v.name);
    const scale = Math.max(1e-6, ...Array.from(a, Math.abs));
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    // Relative to the largest entry, plus an absolute floor for gradients that are 0 in exact
    // arithmetic (a dense bias before batch norm) and rounding noise here.
    assert.ok(worst <= 1e-4 * scale + 1e-6, `${v.name}: differs by ${worst} (scale ${scale})`);
  }
}

for (const focus of [0, 2]) {
  Deno.test(`chunked Siamese BCE step (focus ${focus}) has the unchunked weight gradients`, () => {
    const rng = new Rng(3);
    const tower = buildTower(TINY, rng.fork("tower"));
    const head = buildSiameseHead(TINY, rng.fork("head"));
    const vars = [...tower.trainableWeights, ...head.trainableWeights].map((w) =>
      w.read() as tf.Variable
    );
    const headVars = head.trainableWeights.map((w) => w.read() as tf.Variable);
    const batch = siameseBatch();
    const whole = tf.variableGrads(() => siameseLoss(tower, head, batch, { focus }), vars);
    // 3 does not divide 8: the last chunk is smaller.
    for (const chunk of [1, 3, 8]) {
      const chunked = chunkedModelGradients(
        tower,
        batch.images,
        chunk,
        (f) => siameseLossOfFeatures(head, f as tf.Tensor2D, batch, { focus }),
        headVars,
      );
      assert.deepEqual(Object.keys(chunked.grads).sort(), vars.map((v) => v.name).sort());
      assertSameGradients(whole, chunked, vars);
    }
  });
}

Deno.test("chunked batch-hard triplet step has the unchunked gradients and batch-norm statistics", () => {
  const build = () =>
    buildEmbeddingNet({ ...TINY, denseActivation: "linear" }, {
      dimension: 5,
      batchNorm: true,
      rng: new Rng(5),
    });
  const loss = new TripletMarginLoss({ distance: distanceByName("squared-l2"), margin: 0.2 });
  const miner = minerByName("batch-hard", { margin: 0.2, rng: new Rng(1) });
  const x = images();
  const movingStats = (m: ReturnType<typeof build>) =>
    m.getLayer("embedding_bn").getWeights().slice(2).map((w) => Array.from(w.dataSync()));

  const a = build(), b = build();
  const varsA = a.trainableWeights.map((w) => w.read() as tf.Variable);
  const whole = tf.variableGrads(
    () => loss.compute(a.apply(x, { training: true }) as tf.Tensor2D, LABELS, miner).loss,
    varsA,
  );
  const chunked = chunkedModelGradients(
    b,
    x,
    3,
    (e) => loss.compute(e as tf.Tensor2D, LABELS, miner).loss,
  );
  // The two models have distinct variable names; compare in weight order.
  const renamed: StepGradients = {
    value: chunked.value,
    grads: Object.fromEntries(
      b.trainableWeights.map((
        w,
        i,
      ) => [varsA[i].name, chunked.grads[(w.read() as tf.Variable).name]]),
    ),
  };
  assertSameGradients(whole, renamed, varsA);
  // The embedding batch norm ran once, on the whole batch: same moving averages as unchunked.
  const [sa, sb] = [movingStats(a), movingStats(b)];
  for (let k = 0; k < 2; k++) {
    sa[k].forEach((v, i) => assert.ok(Math.abs(v - sb[k][i]) < 1e-6, `moving stat ${k}[${i}]`));
  }
});

Deno.test("chunking refuses a tower with batch norm in its convolutions", () => {
  const tower = buildTower({ ...TINY, batchNorm: true }, new Rng(1));
  assert.throws(() => splitForChunks(tower), (err: Error) => {
    assert.ok(err instanceof ChunkingError);
    assert.match(err.message, /bn1, bn2/);
    assert.match(err.message, /own statistics/);
    return true;
  });
});

Deno.test("the embedding net splits before its embedding batch norm", () => {
  const net = buildEmbeddingNet(TINY, { dimension: 5, batchNorm: true, rng: new Rng(1) });
  const { trunk, tail } = splitForChunks(net);
  assert.deepEqual(tail.map((l) => l.name), ["embedding_bn", "l2_normalize"]);
  assert.equal(trunk.at(-1)!.name, "features");
  const plain = buildTower(TINY, new Rng(1));
  assert.equal(splitForChunks(plain).tail.length, 0);
});
