/**
 * Evaluating an embedding: every image of a bank is embedded once (batched, in inference
 * mode) and kept in a cache for the whole evaluation; a one-shot trial is then answered by
 * the nearest support embedding (FaceNet section 1: "classification becomes a k-NN
 * classification problem"), with similarity = -distance so that the shared scorer's
 * "higher = same class" holds, and ties are never broken toward the right answer.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type ImageSet, selectImages } from "../data/images.ts";
import type { Distance } from "../distances/distance.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { embeddingDimension, embedImages } from "../models/embedding.ts";
import type { TrialScores } from "./one_shot.ts";
import {
  evaluateVerification,
  type ImagePairs,
  type RocCurve,
  rocCurve,
  type VerificationResult,
} from "./verification.ts";

/** Maps images `[count, size, size]` to embeddings, `[count, d]` row-major. */
export type Embedder = (images: ImageSet) => Float32Array;

/** Options of {@link modelEmbedder}. */
export interface ModelEmbedderOptions {
  /** Images per forward pass. Default 256. */
  batchSize?: number;
}

/** An embedder running `model` in inference mode, batched. */
export function modelEmbedder(
  model: tfl.LayersModel,
  options: ModelEmbedderOptions = {},
): Embedder {
  return (images) => embedImages(model, images, { batchSize: options.batchSize });
}

/** Options of {@link EmbeddingCache}. */
export interface EmbeddingCacheOptions {
  /** How images become embeddings. */
  embed: Embedder;
  /** Embedding dimension d. */
  dimension: number;
}

/**
 * Embeddings of bank images, each computed at most once per cache. Keyed by bank object,
 * so the n-way tasks that share the evaluation split's bank share its embeddings.
 */
export class EmbeddingCache {
  readonly dimension: number;
  readonly #embed: Embedder;
  readonly #banks = new Map<ImageSet, Map<number, Float32Array>>();
  #embedded = 0;

  constructor(options: EmbeddingCacheOptions) {
    if (!(Number.isInteger(options.dimension) && options.dimension >= 1)) {
      throw new RangeError(
        `EmbeddingCache: dimension must be a positive integer, got ${options.dimension}`,
      );
    }
    this.dimension = options.dimension;
    this.#embed = options.embed;
  }

  /** A cache embedding with `model` (its output width is the dimension). */
  static forModel(model: tfl.LayersModel, options: ModelEmbedderOptions = {}): EmbeddingCache {
    return new EmbeddingCache({
      embed: modelEmbedder(model, options),
      dimension: embeddingDimension(model),
    });
  }

  /** Number of images embedded so far (each at most once). */
  get embedded(): number {
    return this.#embedded;
  }

  /**
   * Embeddings of `bank` images `indices`, `[indices.length, d]` row-major, computing only
   * those not cached yet.
   */
  get(bank: ImageSet, indices: readonly number[]): Float32Array {
    let cached = this.#banks.get(bank);
    if (!cached) this.#banks.set(bank, cached = new Map());
    const missing = [...new Set(indices.filter((i) => !cached!.has(i)))];
    if (missing.length > 0) {
      const rows = this.#embed(selectImages(bank, missing));
      if (rows.length !== missing.length * this.dimension) {
        throw new RangeError(
          `EmbeddingCache: the embedder returned ${rows.length} values for ${missing.length} images of dimension ${this.dimension}`,
        );
      }
      missing.forEach((i, k) =>
        cached!.set(i, rows.subarray(k * this.dimension, (k + 1) * this.dimension))
      );
      this.#embedded += missing.length;
    }
    const out = new Float32Array(indices.length * this.dimension);
    indices.forEach((i, k) => out.set(cached!.get(i)!, k * this.dimension));
    return out;
  }
}

/** Options of {@link embeddingScores}. */
export interface EmbeddingScoreOptions {
  cache: EmbeddingCache;
  distance: Distance;
}

/**
 * One-shot similarities `[trials][ways]` of `task`: -distance between the query's
 * embedding and each candidate's.
 */
export function embeddingScores(task: OneShotTask, options: EmbeddingScoreOptions): TrialScores {
  const { cache, distance } = options;
  const d = cache.dimension;
  const ways = task.ways;
  const queries: number[] = [], supports: number[] = [];
  for (const t of task.trials) {
    for (const s of t.support) {
      queries.push(t.query);
      supports.push(s);
    }
  }
  const q = cache.get(task.bank, queries);
  const s = cache.get(task.bank, supports);
  const values = tf.tidy(() =>
    distance.rowwise(tf.tensor2d(q, [queries.length, d]), tf.tensor2d(s, [supports.length, d]))
      .dataSync()
  );
  return task.trials.map((_, i) =>
    Float64Array.from(values.subarray(i * ways, (i + 1) * ways), (v) => -v)
  );
}

/** Distances between the images of `pairs` (index pairs into `bank`), `[pairs]`. */
export function pairDistances(
  bank: ImageSet,
  pairs: { left: ArrayLike<number>; right: ArrayLike<number> },
  options: EmbeddingScoreOptions,
): Float32Array {
  const n = pairs.left.length;
  if (pairs.right.length !== n) {
    throw new RangeError("pairDistances: left and right differ in length");
  }
  if (n === 0) return new Float32Array(0);
  const d = options.cache.dimension;
  const a = options.cache.get(bank, Array.from(pairs.left));
  const b = options.cache.get(bank, Array.from(pairs.right));
  return tf.tidy(() =>
    options.distance.rowwise(tf.tensor2d(a, [n, d]), tf.tensor2d(b, [n, d]))
      .dataSync() as Float32Array
  );
}

/** Verification of an embedding: threshold k on validation pairs, accuracy / ROC / EER on test pairs. */
export interface EmbeddingVerification {
  /** The shared verifier's numbers, computed on scores = -distance (its `threshold` is -k). */
  result: VerificationResult;
  /** Distance threshold k: "same" when distance < k. */
  threshold: number;
  /** ROC curve of the test pairs. */
  roc: RocCurve;
}

/**
 * Choose the distance threshold k on `pairs.validation` and measure on `pairs.test`
 * (index pairs into `bank`), through the shared verifier with score = -distance.
 */
export function embeddingVerification(
  bank: ImageSet,
  pairs: { validation: ImagePairs; test: ImagePairs },
  options: EmbeddingScoreOptions,
): EmbeddingVerification {
  const scored = (p: ImagePairs) => ({
    scores: Float64Array.from(pairDistances(bank, p, options), (d) => -d),
    same: p.same,
  });
  const validation = scored(pairs.validation);
  const test = scored(pairs.test);
  const result = evaluateVerification({ validation, test });
  return { result, threshold: -result.threshold, roc: rocCurve(test.scores, test.same) };
}
