import assert from "node:assert/strict";
import type { ImageSet } from "../../lib/data/images.ts";
import type { OneShotTask } from "../../lib/episodes/one_shot.ts";
import { EmbeddingCache } from "../../lib/evaluation/embedding_eval.ts";
import { pairScores, taskScores, weightedL1Similarity } from "../../lib/evaluation/features.ts";

/** Four 1x1 images with ink 0, 1, 3, 6; the "embedding" is [ink, 2 * ink]. */
const bank: ImageSet = { size: 1, count: 4, pixels: Float32Array.from([0, 1, 3, 6]) };
function countingCache() {
  const calls: number[] = [];
  const cache = new EmbeddingCache({
    dimension: 2,
    embed: (images) => {
      calls.push(images.count);
      return Float32Array.from([...images.pixels].flatMap((v) => [v, 2 * v]));
    },
  });
  return { cache, calls };
}
// Similarity = -(|a0 - b0| + |a1 - b1|) = -3 |ink difference|.
const similarity = weightedL1Similarity(Float32Array.from([-1, -1]), 0);

Deno.test("taskScores: the head's similarity of each candidate to the query, each image embedded once", () => {
  const task: OneShotTask = {
    protocol: "koch-400",
    dataset: "omniglot",
    ways: 2,
    shots: 1,
    bank,
    trials: [
      { query: 1, support: [0, 2], answer: 0, group: "a" },
      { query: 3, support: [2, 0], answer: 0, group: "a" },
    ],
  };
  const { cache, calls } = countingCache();
  const scores = taskScores(task, cache, similarity).map((r) => Array.from(r));
  assert.deepEqual(scores, [[-3, -6], [-9, -18]]);
  assert.deepEqual(calls, [4], "one batched pass over the four distinct images");
  taskScores(task, cache, similarity);
  assert.deepEqual(calls, [4], "a second task on the same bank reuses the cache");
});

Deno.test("pairScores scores index pairs into the bank and refuses unequal sides", () => {
  const { cache } = countingCache();
  const scores = pairScores(cache, bank, { left: [0, 2], right: [3, 1] }, similarity);
  assert.deepEqual([...scores], [-18, -6]);
  assert.throws(() => pairScores(cache, bank, { left: [0], right: [] }, similarity), /differ/);
});
