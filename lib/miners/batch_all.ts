/**
 * Batch-all (Hermans et al. 2017, section 2): every valid triplet of the batch, i.e. every
 * anchor a, every positive p != a of its class and every negative n of another class.
 * For P classes x K drawings that is P K (K - 1) (P - 1) K triplets; the loss averages
 * over the ones that still violate the margin.
 */
import { batchSize, type Miner, type MinerInput, TripletBuffer, type Triplets } from "./miner.ts";

/** All valid triplets, anchors in order, then positives, then negatives. */
export function mineBatchAll(input: MinerInput): Triplets {
  const n = batchSize(input, "mineBatchAll");
  const { labels } = input;
  const out = new TripletBuffer();
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let q = 0; q < n; q++) if (labels[q] !== labels[a]) out.push(a, p, q);
    }
  }
  return out.triplets();
}

/** The batch-all miner. */
export const batchAllMiner: Miner = { name: "batch-all", mine: mineBatchAll };
