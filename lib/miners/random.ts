/**
 * Random negatives, the control for the mining strategies: every anchor-positive pair
 * with one negative drawn uniformly from the other classes of the batch.
 */
import type { Rng } from "../rng.ts";
import { batchSize, type Miner, type MinerInput, TripletBuffer, type Triplets } from "./miner.ts";

/** One random negative per anchor-positive pair, drawn from `rng`. */
export function mineRandom(input: MinerInput, rng: Rng): Triplets {
  const n = batchSize(input, "mineRandom");
  const { labels } = input;
  const out = new TripletBuffer();
  for (let a = 0; a < n; a++) {
    const negatives: number[] = [];
    for (let q = 0; q < n; q++) if (labels[q] !== labels[a]) negatives.push(q);
    if (negatives.length === 0) continue;
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      out.push(a, p, rng.pick(negatives));
    }
  }
  return out.triplets();
}

/** The random miner, drawing from `rng`. */
export function randomMiner(rng: Rng): Miner {
  return { name: "random", mine: (input) => mineRandom(input, rng) };
}
