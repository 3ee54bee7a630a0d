import assert from "node:assert/strict";
import type * as tfl from "@tensorflow/tfjs-layers";
import { selectBackend } from "../../lib/backends/select.ts";
import type { ImageSet } from "../../lib/data/images.ts";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import {
  EmbeddingCache,
  embeddingScores,
  modelEmbedder,
} from "../../lib/evaluation/embedding_eval.ts";
import type { TrialScores } from "../../lib/evaluation/one_shot.ts";
import {
  supportBatch,
  supportGroups,
  supportTunedScores,
  supportTunedScoreSets,
  type SupportTuningOptions,
  tunedVariables,
} from "../../lib/evaluation/support_tuning.ts";
import { buildEmbeddingNet } from "../../lib/models/embedding.ts";
import { Rng } from "../../lib/rng.ts";
import { KOCH_DISTORTIONS } from "../../lib/training/augment.ts";
import { getWeights } from "../../lib/training/loop.ts";
import { tinyTower } from "../training/fixtures.ts";

await selectBackend("cpu");

const SIZE = 8;

/** `count` images of blobs at seeded places, and a copy of each with a few pixels nudged. */
function bankOf(count: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const n = SIZE * SIZE;
  const pixels = new Float32Array(2 * count * n);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 12; j++) {
      const at = Math.floor(rng.next() * n);
      pixels[i * n + at] = 1;
      // the query: the same drawing with one pixel in three moved one place on
      pixels[(count + i) * n + (j % 3 === 0 ? (at + 1) % n : at)] = 1;
    }
  }
  return { size: SIZE, count: 2 * count, pixels };
}

/** Queries count + i against supports 0 .. ways - 1, two sets of `ways` candidates. */
function taskOf(bank: ImageSet, ways: number): OneShotTask {
  const half = bank.count / 2;
  const trials = [];
  for (let set = 0; set < half / ways; set++) {
    const support = Array.from({ length: ways }, (_, k) => set * ways + k);
    for (let k = ways - 1; k >= 0; k--) {
      trials.push({ query: half + support[k], support, answer: k, group: `set${set}` });
    }
  }
  return { protocol: "n-way", dataset: "omniglot", ways, shots: 1, bank, trials };
}

function netOf(seed: number) {
  return buildEmbeddingNet(tinyTower(SIZE, { convs: [{ filters: 4, kernel: 3, pool: true }] }), {
    dimension: 6,
    batchNorm: true,
    rng: new Rng(seed),
  });
}

const OPTIONS: SupportTuningOptions = {
  steps: 15,
  copies: 3,
  learningRate: 0.02,
  margin: 0.2,
  rng: new Rng(3, "tuning"),
};

/** Mean over trials of the right candidate's score minus the best wrong one's. */
function meanMargin(task: OneShotTask, scores: TrialScores): number {
  let sum = 0;
  task.trials.forEach((t, i) => {
    const wrong = Math.max(...Array.from(scores[i]).filter((_, k) => k !== t.answer));
    sum += scores[i][t.answer] - wrong;
  });
  return sum / task.trials.length;
}

Deno.test("supportGroups groups trials by the same candidates in the same order, in first use", () => {
  const bank = bankOf(6, 1);
  const trials = [
    { query: 6, support: [0, 1, 2], answer: 0, group: "a" },
    { query: 9, support: [3, 4, 5], answer: 0, group: "a" },
    { query: 7, support: [0, 1, 2], answer: 1, group: "a" }, // equal values, another array
    { query: 8, support: [2, 1, 0], answer: 0, group: "a" }, // another order: another set
  ];
  const groups = supportGroups({ ...taskOf(bank, 3), trials });
  assert.deepEqual(groups.map((g) => [g.key, g.trials]), [
    ["0,1,2", [0, 2]],
    ["3,4,5", [1]],
    ["2,1,0", [3]],
  ]);
});

Deno.test("supportBatch: each candidate as it is, then distorted copies of it, labelled by position", () => {
  const supports = { ...bankOf(3, 2), count: 3 };
  const n = SIZE * SIZE;
  supports.pixels = supports.pixels.slice(0, 3 * n);
  const always = { ...KOCH_DISTORTIONS, probability: 1 };
  const batch = supportBatch(supports, 4, new Rng(5), always);
  assert.deepEqual(Array.from(batch.labels), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  for (let k = 0; k < 3; k++) {
    const original = supports.pixels.subarray(k * n, (k + 1) * n);
    assert.deepEqual(batch.images.subarray(4 * k * n, (4 * k + 1) * n), original);
    for (let j = 1; j < 4; j++) {
      const copy = batch.images.subarray((4 * k + j) * n, (4 * k + j + 1) * n);
      assert.notDeepEqual(copy, original, `copy ${j} of candidate ${k} is distorted`);
    }
  }
  assert.deepEqual(supportBatch(supports, 4, new Rng(5), always), batch, "one stream, one batch");
});

Deno.test("with no steps the scores are the net's own, and tuning puts the weights back", () => {
  const net = netOf(7);
  const task = taskOf(bankOf(8, 4), 4);
  const before = getWeights([net]);
  const plain = embeddingScores(task, {
    cache: EmbeddingCache.forModel(net),
    distance: squaredL2,
  });
  const untuned = supportTunedScores(net, squaredL2, task, { ...OPTIONS, steps: 0 });
  assert.deepEqual(untuned.map((s) => Array.from(s)), plain.map((s) => Array.from(s)));
  const tuned = supportTunedScores(net, squaredL2, task, OPTIONS);
  assert.notDeepEqual(tuned, plain, "tuning changed the scores");
  assert.deepEqual(getWeights([net]), before, "the trained weights are back");
  net.dispose();
});

Deno.test("tuning on the supports pulls each query toward its own candidate", () => {
  const net = netOf(11);
  const task = taskOf(bankOf(8, 6), 4);
  const plain = supportTunedScores(net, squaredL2, task, { ...OPTIONS, steps: 0 });
  const tuned = supportTunedScores(net, squaredL2, task, OPTIONS);
  const [before, after] = [meanMargin(task, plain), meanMargin(task, tuned)];
  assert.ok(after > before + 0.2, `mean margin ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  net.dispose();
});

Deno.test("each support set starts from the trained weights: its scores do not depend on the sets before it", () => {
  const net = netOf(13);
  const task = taskOf(bankOf(8, 8), 4);
  const both = supportTunedScores(net, squaredL2, task, OPTIONS);
  const second = task.trials.map((t, i) => [t, i] as const).filter(([t]) => t.group === "set1");
  const alone = supportTunedScores(net, squaredL2, {
    ...task,
    trials: second.map(([t]) => t),
  }, OPTIONS);
  assert.deepEqual(alone, second.map(([, i]) => both[i]));
  net.dispose();
});

Deno.test("tunedVariables: the last layers with weights, or all of them", () => {
  const net = netOf(5);
  const names = (layers?: number) => tunedVariables(net, layers).map((v) => v.name.split("/")[0]);
  assert.deepEqual(names(2), ["features", "features", "embedding_bn", "embedding_bn"]);
  assert.equal(tunedVariables(net).length, net.trainableWeights.length);
  assert.throws(() => tunedVariables(net, 0), /layers must be a positive integer/);
  net.dispose();
});

Deno.test("with layers set, the tuned net the trials see differs from the trained one in those layers only", () => {
  const net = netOf(9);
  const task = taskOf(bankOf(4, 3), 4);
  const trained = new Map(net.weights.map((w) => [w.name, Array.from(w.read().dataSync())]));
  const changed: string[] = [];
  // An embedder that notes which weights differ from the trained ones when the trials are embedded.
  const noting = (model: tfl.LayersModel) => {
    const embed = modelEmbedder(model);
    return (images: ImageSet) => {
      for (const w of model.weights) {
        const now = Array.from(w.read().dataSync());
        if (now.some((x, i) => x !== trained.get(w.name)![i])) changed.push(w.name.split("/")[0]);
      }
      return embed(images);
    };
  };
  supportTunedScoreSets(net, squaredL2, task, { ...OPTIONS, layers: 2 }, [noting]);
  assert.deepEqual([...new Set(changed)].sort(), ["embedding_bn", "features"]);
  net.dispose();
});

Deno.test("supportTunedScores refuses steps, copies and rates it cannot use", () => {
  const net = netOf(1);
  const task = taskOf(bankOf(4, 1), 4);
  for (
    const [bad, message] of [
      [{ steps: 1.5 }, /steps must be a whole number/],
      [{ copies: 1 }, /copies must be an integer >= 2/],
      [{ learningRate: 0 }, /learningRate must be positive/],
    ] as const
  ) {
    assert.throws(() => supportTunedScores(net, squaredL2, task, { ...OPTIONS, ...bad }), message);
  }
  net.dispose();
});
