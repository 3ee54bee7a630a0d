/**
 * Koch et al.'s Siamese net as two models: the tower both images go through (shared
 * weights) and the head p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b) that joins them (or,
 * for studies, the cosine head of cosine_head.ts).
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Rng } from "../rng.ts";
import { buildCosineHead, type SiameseHead } from "./cosine_head.ts";
import { buildEmbeddingNet } from "./embedding.ts";
import { buildSiameseHead, buildTower, type TowerSpec } from "./koch.ts";

/** The two halves of the net: the shared tower and the weighted-L1 head. */
export interface SiameseNet {
  /** `[batch, s, s, 1]` -> `[batch, dense]`. */
  tower: tfl.LayersModel;
  /** `[pairs, dense]` |h1 - h2| (the cosine head: (h1 - h2)^2) -> `[pairs, 1]` logit of "same". */
  head: tfl.LayersModel;
}

/** Options of {@link buildSiamese}. */
export interface SiameseNetOptions {
  /**
   * End the tower as the triplet embedding does (embedding.ts): a linear dense layer, batch
   * norm, L2 normalisation, so the head weighs the differences of unit vectors. Not in the
   * paper; for studies of what the triplet net's features bring apart from its loss.
   */
  normalizedFeatures?: boolean;
  /**
   * `weighted-l1` (unset): the paper's head. `cosine` (cosine_head.ts): weighted squared
   * differences of unit vectors, so the features are normalised whatever `normalizedFeatures`
   * says.
   */
  head?: SiameseHead;
}

/** Build an untrained net; initial weights are fixed by `rng`. */
export function buildSiamese(
  spec: TowerSpec,
  rng: Rng,
  options: SiameseNetOptions = {},
): SiameseNet {
  const towerRng = rng.fork("tower");
  const cosine = options.head === "cosine";
  return {
    tower: options.normalizedFeatures || cosine
      ? buildEmbeddingNet(spec, { dimension: spec.dense, rng: towerRng, batchNorm: true })
      : buildTower(spec, towerRng),
    head: cosine ? buildCosineHead(spec.dense) : buildSiameseHead(spec, rng.fork("head")),
  };
}

/** Free the tower and head weights of a Siamese net. */
export function disposeNet(net: SiameseNet): void {
  net.tower.dispose();
  net.head.dispose();
}
