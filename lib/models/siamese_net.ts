/**
 * Koch et al.'s Siamese net as two models: the tower both images go through (shared
 * weights) and the head p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b) that joins them.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Rng } from "../rng.ts";
import { buildSiameseHead, buildTower, type TowerSpec } from "./koch.ts";

/** The two halves of the net: the shared tower and the weighted-L1 head. */
export interface SiameseNet {
  /** `[batch, s, s, 1]` -> `[batch, dense]`. */
  tower: tfl.LayersModel;
  /** `[pairs, dense]` |h1 - h2| -> `[pairs, 1]` logit of "same". */
  head: tfl.LayersModel;
}

/** Build an untrained net; initial weights are fixed by `rng`. */
export function buildSiamese(spec: TowerSpec, rng: Rng): SiameseNet {
  return {
    tower: buildTower(spec, rng.fork("tower")),
    head: buildSiameseHead(spec, rng.fork("head")),
  };
}

/** Free the tower and head weights of a Siamese net. */
export function disposeNet(net: SiameseNet): void {
  net.tower.dispose();
  net.head.dispose();
}
