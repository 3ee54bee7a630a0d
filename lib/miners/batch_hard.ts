/**
 * Batch-hard (Hermans et al. 2017, eq. 5): for each anchor, its farthest positive and its
 * nearest negative in the batch, one triplet per anchor. Ties go to the lowest index.
 */
import { batchSize, type Miner, type MinerInput, TripletBuffer, type Triplets } from "./miner.ts";

/** One triplet per anchor that has at least one positive and one negative. */
export function mineBatchHard(input: MinerInput): Triplets {
  const n = batchSize(input, "mineBatchHard");
  const { labels, distances } = input;
  const out = new TripletBuffer();
  for (let a = 0; a < n; a++) {
    let hardestPositive = -1;
    let hardestNegative = -1;
    for (let j = 0; j < n; j++) {
      if (j === a) continue;
      const d = distances[a * n + j];
      if (labels[j] === labels[a]) {
        if (hardestPositive < 0 || d > distances[a * n + hardestPositive]) hardestPositive = j;
      } else if (hardestNegative < 0 || d < distances[a * n + hardestNegative]) {
        hardestNegative = j;
      }
    }
    if (hardestPositive >= 0 && hardestNegative >= 0) out.push(a, hardestPositive, hardestNegative);
  }
  return out.triplets();
}

/** The batch-hard miner. */
export const batchHardMiner: Miner = { name: "batch-hard", mine: mineBatchHard };
