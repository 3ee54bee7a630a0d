import { selectBackend } from "../../lib/backends/select.ts";
import assert from "node:assert/strict";
import {
  EmbeddingCache,
  embeddingScores,
  pairDistances,
} from "../../lib/evaluation/embedding_eval.ts";
import { scoreOneShot } from "../../lib/evaluation/one_shot.ts";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import type { ImageSet } from "../../lib/data/images.ts";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

/** 2x2 images whose embedding is their first two pixels; counts the images embedded. */
function counting(): { cache: EmbeddingCache; calls: number[] } {
  const calls: number[] = [];
  const cache = new EmbeddingCache({
    dimension: 2,
    embed: (images: ImageSet) => {
      calls.push(images.count);
      const out = new Float32Array(images.count * 2);
      for (let i = 0; i < images.count; i++) {
        out.set(images.pixels.subarray(i * 4, i * 4 + 2), i * 2);
      }
      return out;
    },
  });
  return { cache, calls };
}

// Bank: 0 = (0,0), 1 = (1,0), 2 = (5,5), 3 = (0,1), 4 = (5,4).
const bank: ImageSet = {
  size: 2,
  count: 5,
  pixels: Float32Array.from(
    [[0, 0], [1, 0], [5, 5], [0, 1], [5, 4]].flatMap(([x, y]) => [x, y, 0, 0]),
  ),
};

const task: OneShotTask = {
  protocol: "n-way",
  dataset: "omniglot",
  ways: 2,
  shots: 1,
  bank,
  trials: [
    { query: 3, support: [1, 2], answer: 0, group: "g" }, // d = 2 vs 41: right
    { query: 4, support: [1, 2], answer: 0, group: "g" }, // d = 32 vs 1: wrong
    { query: 0, support: [1, 3], answer: 1, group: "g" }, // d = 1 vs 1: a tie is wrong
  ],
};

Deno.test("one-shot scores are negative distances to each candidate, and a tie is not a win", () => {
  const { cache } = counting();
  const scores = embeddingScores(task, { cache, distance: squaredL2 });
  assert.deepEqual(scores.map((s) => Array.from(s)), [[-2, -41], [-32, -1], [-1, -1]]);
  assert.deepEqual(scoreOneShot(task, scores).outcomes, [true, false, false]);
});

Deno.test("each bank image is embedded once per cache, however many trials use it", () => {
  const { cache, calls } = counting();
  embeddingScores(task, { cache, distance: squaredL2 });
  embeddingScores(task, { cache, distance: squaredL2 });
  assert.equal(cache.embedded, 5);
  assert.deepEqual(calls, [3, 2], "queries 3, 4, 0 first, then the supports not seen yet (1, 2)");
});

Deno.test("pair distances come from the same cache", () => {
  const { cache } = counting();
  const d = pairDistances(bank, { left: [0, 2], right: [1, 4] }, { cache, distance: squaredL2 });
  assert.deepEqual(Array.from(d), [1, 1]);
  assert.throws(() => cache.get(bank, [7]), /index 7 outside \[0, 5\)/);
  assert.throws(() => cache.get(bank, [1.5]), /index 1.5 outside/);
  assert.equal(cache.embedded, 4, "a bad index embeds nothing");
});
