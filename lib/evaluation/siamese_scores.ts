/**
 * Scoring with a Siamese net: its head as a similarity of two tower embeddings, and the
 * trial scores of a one-shot task (each referenced image embedded once).
 */
import type { OneShotTask } from "../episodes/one_shot.ts";
import type { SiameseNet } from "../models/siamese_net.ts";
import { EmbeddingCache } from "./embedding_eval.ts";
import { headKind } from "../models/cosine_head.ts";
import {
  type FeatureSimilarity,
  taskScores,
  weightedL1Similarity,
  weightedSquaredL2Similarity,
} from "./features.ts";

/** The head as a similarity of two feature vectors (its logit; higher = same). */
export function siameseSimilarity(net: SiameseNet): FeatureSimilarity {
  const [kernel, bias] = net.head.getWeights();
  const similarity = headKind(net.head) === "cosine"
    ? weightedSquaredL2Similarity
    : weightedL1Similarity;
  return similarity(kernel.dataSync() as Float32Array, bias.dataSync()[0]);
}

/** `[trials][ways]` head logits of a one-shot task (each referenced image embedded once). */
export function siameseTaskScores(net: SiameseNet, task: OneShotTask): Float64Array[] {
  return taskScores(
    task,
    EmbeddingCache.forModel(net.tower),
    siameseSimilarity(net),
  ) as Float64Array[];
}
