/**
 * How many of a batch's valid triplets are hard, semi-hard or easy for a margin alpha
 * (FaceNet section 3.2), counted over all of them. Plotted over training, it shows the
 * embedding pushing triplets from hard to easy.
 *
 * - hard: d(a,n) < d(a,p) (the negative is nearer than the positive);
 * - semi-hard: d(a,p) <= d(a,n) < d(a,p) + alpha (right order, inside the margin);
 * - easy: d(a,n) >= d(a,p) + alpha (zero loss).
 */
import { batchSize, type MinerInput } from "./miner.ts";

/** Counts of the valid triplets of a batch. */
export interface TripletKinds {
  hard: number;
  semiHard: number;
  easy: number;
  /** hard + semiHard + easy. */
  total: number;
}

/** Count the kinds of all valid triplets of `input` for `margin`. */
export function countTripletKinds(input: MinerInput, margin: number): TripletKinds {
  const n = batchSize(input, "countTripletKinds");
  const { labels, distances } = input;
  let hard = 0, semiHard = 0, easy = 0;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const dap = distances[a * n + p];
      for (let q = 0; q < n; q++) {
        if (labels[q] === labels[a]) continue;
        const dan = distances[a * n + q];
        if (dan < dap) hard++;
        else if (dan < dap + margin) semiHard++;
        else easy++;
      }
    }
  }
  return { hard, semiHard, easy, total: hard + semiHard + easy };
}
