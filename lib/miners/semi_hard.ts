/**
 * Semi-hard negatives (Schroff et al. 2015, eq. 4): for every anchor-positive pair, a
 * negative farther than the positive but inside the margin, d(a,p) < d(a,n) < d(a,p) + alpha.
 * Such negatives still teach (their loss is positive) without the very hardest ones that
 * FaceNet found can collapse the model early in training.
 *
 * Choice and fall-backs, for each (a, p) with a != p of one class:
 * 1. among the semi-hard negatives, the nearest one (the hardest semi-hard);
 * 2. when there is none but some negative is at most as far as the positive (a hard
 *    negative), the farthest of those, the least hard (as TensorFlow Addons'
 *    `triplet_semihard_loss` does), so the pair still gets a gradient without the hardest case;
 * 3. when every negative is beyond the margin (only easy ones), the pair is skipped:
 *    its loss would be 0.
 */
import { batchSize, type Miner, type MinerInput, TripletBuffer, type Triplets } from "./miner.ts";

/** Options of {@link semiHardMiner}. */
export interface SemiHardOptions {
  /** The loss's margin alpha (the width of the semi-hard band). */
  margin: number;
}

/** Semi-hard triplets of a batch, one per anchor-positive pair (see the module comment). */
export function mineSemiHard(input: MinerInput, options: SemiHardOptions): Triplets {
  const n = batchSize(input, "mineSemiHard");
  if (!(options.margin > 0)) {
    throw new RangeError(`mineSemiHard: margin must be positive, got ${options.margin}`);
  }
  const { labels, distances } = input;
  const out = new TripletBuffer();
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const dap = distances[a * n + p];
      let semi = -1;
      let hard = -1;
      for (let q = 0; q < n; q++) {
        if (labels[q] === labels[a]) continue;
        const dan = distances[a * n + q];
        if (dan > dap && dan < dap + options.margin) {
          if (semi < 0 || dan < distances[a * n + semi]) semi = q;
        } else if (dan <= dap) {
          if (hard < 0 || dan > distances[a * n + hard]) hard = q;
        }
      }
      const chosen = semi >= 0 ? semi : hard;
      if (chosen >= 0) out.push(a, p, chosen);
    }
  }
  return out.triplets();
}

/** The semi-hard miner for a loss with margin `options.margin`. */
export function semiHardMiner(options: SemiHardOptions): Miner {
  return { name: "semi-hard", mine: (input) => mineSemiHard(input, options) };
}
