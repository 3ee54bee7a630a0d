/**
 * Hardest-pair weighting of the Siamese net's cross-entropy: the batch-hard idea (Hermans et
 * al. 2017) applied to pairs. The loss stays the paper's binary cross-entropy; only which
 * pairs carry weight changes. For each image of the batch, the pair with its least "same"
 * positive (lowest logit among pairs of its character) and the pair with its most "same"
 * negative (highest logit among pairs of other characters) each get one vote; a pair's weight
 * is its votes, renormalised so that positives and negatives keep half of the loss each, as
 * in pairs.ts. Every other pair weighs nothing for that step.
 */

/**
 * Per-pair weights `[pairs]` from the pairs' logits, labels and end points (`left[p]`,
 * `right[p]` image indices below `images`). A class with no pair leaves its half to the other.
 */
export function hardestPairWeights(
  logits: ArrayLike<number>,
  same: ArrayLike<number>,
  left: ArrayLike<number>,
  right: ArrayLike<number>,
  images: number,
): Float32Array {
  const n = logits.length;
  if (same.length !== n || left.length !== n || right.length !== n) {
    throw new RangeError(
      `hardestPairWeights: ${n} logits but ${same.length} labels, ${left.length} left, ${right.length} right`,
    );
  }
  // Per image: the hardest positive pair (lowest logit) and hardest negative (highest).
  const hardPositive = new Int32Array(images).fill(-1);
  const hardNegative = new Int32Array(images).fill(-1);
  const consider = (image: number, p: number) => {
    if (same[p]) {
      const q = hardPositive[image];
      if (q < 0 || logits[p] < logits[q]) hardPositive[image] = p;
    } else {
      const q = hardNegative[image];
      if (q < 0 || logits[p] > logits[q]) hardNegative[image] = p;
    }
  };
  for (let p = 0; p < n; p++) {
    consider(left[p], p);
    consider(right[p], p);
  }
  const votes = new Float64Array(n);
  let positives = 0, negatives = 0;
  for (let i = 0; i < images; i++) {
    if (hardPositive[i] >= 0) votes[hardPositive[i]]++, positives++;
    if (hardNegative[i] >= 0) votes[hardNegative[i]]++, negatives++;
  }
  const share = positives > 0 && negatives > 0 ? 0.5 : 1;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (votes[p] > 0) out[p] = (votes[p] * share) / (same[p] ? positives : negatives);
  }
  return out;
}
