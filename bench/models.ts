/** The nets `deno task bench` measures, by `--models` name. */
import { resolveConfig } from "../lib/profiles.ts";
import { KOCH_105, STANDARD_35, type TowerSpec } from "../lib/models/koch.ts";
import { embeddingTowerSpec } from "../lib/models/embedding.ts";

/** One net measured by the bench. */
export interface BenchModel {
  /** `siamese`: tower + weighted-L1 head on pairs; `triplet`: embedding net on P x K images. */
  kind: "siamese" | "triplet";
  spec: TowerSpec;
  /** Pairs (siamese) or images (triplet) per training step. */
  trainPairs: number;
  /** Triplet only: drawings per character (K of the P x K batch). */
  drawings?: number;
  /** Triplet only: margin of the batch-hard loss. */
  margin?: number;
  /** Triplet only: batch norm on the embedding before the L2 normalisation. */
  embeddingBatchNorm?: boolean;
  /** Images per embedding call. */
  embedImages: number;
  /**
   * Triplet only: this share of every kernel's entries set to subnormals (at random, seeded)
   * and held there by a zero learning rate, so each timed step meets them as training did.
   */
  subnormalShare?: number;
}

const TRIPLET = resolveConfig("standard").triplet;

export const MODELS: Record<string, BenchModel> = {
  "koch-105": { kind: "siamese", spec: KOCH_105, trainPairs: 8, embedImages: 16 },
  standard: { kind: "siamese", spec: STANDARD_35, trainPairs: 32, embedImages: 64 },
  // The standard profile's triplet net and batch; the bench uses plain SGD like the others.
  triplet: {
    kind: "triplet",
    spec: embeddingTowerSpec(TRIPLET.tower, TRIPLET.embeddingDim),
    trainPairs: TRIPLET.batchCharacters * TRIPLET.batchDrawings,
    drawings: TRIPLET.batchDrawings,
    margin: TRIPLET.margin,
    embeddingBatchNorm: TRIPLET.embeddingBatchNorm,
    embedImages: 64,
  },
};
// 8,875 of the same-tower net's 277,000 weights were subnormal at step 2,250 without flushing.
MODELS["triplet-subnormal"] = { ...MODELS.triplet, subnormalShare: 0.032 };

/** The nets a bench measures when `--models` is not given: all but the subnormal one. */
export const DEFAULT_MODELS = Object.keys(MODELS).filter((name) => !MODELS[name].subnormalShare);
