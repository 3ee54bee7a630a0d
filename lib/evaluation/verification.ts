/**
 * Verification (Koch et al. section 4.2, Table 1): decide whether two images show the same
 * character. A model gives each pair a score (higher = more likely the same, e.g. the
 * Siamese logit or a negated embedding distance); a threshold picked on validation pairs
 * turns scores into decisions, and the accuracy is measured on held-out test pairs. The
 * ROC curve, its area and the equal error rate describe the scores without a threshold.
 */
import { bisector, descending, sum } from "d3-array";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED, TEST_ALPHABETS, VALIDATION_ALPHABETS } from "../data/splits.ts";
import { Rng } from "../rng.ts";

/** Pairs of images of one split, `[pairs]` each. */
export interface ImagePairs {
  /** Image index (into the split's images) of the first image. */
  left: Int32Array;
  /** Image index of the second image. */
  right: Int32Array;
  /** 1 when both show the same character. */
  same: Uint8Array;
}

/** Options of {@link verificationPairs}. */
export interface VerificationPairOptions {
  /** Number of pairs; even positions are same pairs, so half (rounded up) are "same". */
  pairs: number;
  /** Alphabets to draw from (names). */
  alphabets: readonly string[];
  /**
   * Fraction of the different pairs whose two characters come from one alphabet (the
   * harder kind, as in within-alphabet one-shot); the rest span two alphabets. Default 0.5.
   */
  withinAlphabet?: number;
}

/**
 * Seeded same/different pairs from `alphabets` of `split`. A pair picks an alphabet
 * uniformly; a same pair takes two different drawers of one of its characters, a
 * different pair two distinct characters (each with a random drawer).
 */
export function verificationPairs(
  split: OmniglotSplit,
  rng: Rng,
  options: VerificationPairOptions,
): ImagePairs {
  const { pairs, alphabets } = options;
  const within = options.withinAlphabet ?? 0.5;
  if (!(Number.isInteger(pairs) && pairs >= 1)) {
    throw new RangeError(`verificationPairs: pairs must be a positive integer, got ${pairs}`);
  }
  if (!(within >= 0 && within <= 1)) {
    throw new RangeError(`verificationPairs: withinAlphabet must lie in [0, 1], got ${within}`);
  }
  const pool = alphabets.map((name) => {
    const a = split.alphabets.find((x) => x.name === name);
    if (!a) throw new RangeError(`verificationPairs: alphabet ${name} is not in ${split.name}`);
    return a.characters;
  });
  if (pool.length === 0) throw new RangeError("verificationPairs: no alphabets given");
  const D = EXPECTED.drawers;
  const left = new Int32Array(pairs), right = new Int32Array(pairs), same = new Uint8Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const chars = rng.pick(pool);
    if (p % 2 === 0) {
      const c = rng.pick(chars);
      const [d1, d2] = rng.sample(D, 2);
      left[p] = c * D + d1;
      right[p] = c * D + d2;
      same[p] = 1;
    } else {
      let c1: number, c2: number;
      if ((pool.length === 1 || rng.next() < within) && chars.length >= 2) {
        [c1, c2] = rng.sample(chars.length, 2).map((i) => chars[i]);
      } else {
        if (pool.length < 2) {
          throw new RangeError(
            "verificationPairs: different pairs need two characters or two alphabets",
          );
        }
        const others = pool.filter((a) => a !== chars);
        c1 = rng.pick(chars);
        c2 = rng.pick(rng.pick(others));
      }
      left[p] = c1 * D + rng.int(D);
      right[p] = c2 * D + rng.int(D);
    }
  }
  return { left, right, same };
}

/**
 * The verification pairs every experiment of a run shares (so their rows compare pair
 * for pair): `pairs` from the validation alphabets, for choosing the threshold, and `pairs`
 * from the test alphabets, for the accuracy. They depend on the run seed only.
 */
export function verificationSets(
  evaluation: OmniglotSplit,
  seed: number,
  pairs: number,
): { validation: ImagePairs; test: ImagePairs } {
  const rng = new Rng(seed, "verification");
  return {
    validation: verificationPairs(evaluation, rng.fork("validation"), {
      pairs,
      alphabets: VALIDATION_ALPHABETS,
    }),
    test: verificationPairs(evaluation, rng.fork("test"), { pairs, alphabets: TEST_ALPHABETS }),
  };
}

/** Percent of pairs classified right when "same" means score > threshold. */
export function accuracyAtThreshold(
  scores: ArrayLike<number>,
  same: ArrayLike<number>,
  threshold: number,
): number {
  checkScores("accuracyAtThreshold", scores, same);
  let right = 0;
  for (let i = 0; i < scores.length; i++) if ((scores[i] > threshold) === (same[i] === 1)) right++;
  return (100 * right) / scores.length;
}

/**
 * The threshold with the highest accuracy on these pairs (rule: same iff score >
 * threshold), placed midway between neighbouring distinct scores; the highest such
 * threshold wins ties.
 */
export function bestThreshold(
  scores: ArrayLike<number>,
  same: ArrayLike<number>,
): { threshold: number; accuracy: number } {
  const groups = scoreGroups("bestThreshold", scores, same);
  let right = sum(groups, (g) => g.neg); // threshold above every score: all "different"
  let best = right, threshold = groups[0].score;
  groups.forEach((g, k) => {
    right += g.pos - g.neg;
    if (right > best) {
      best = right;
      const next = groups[k + 1]?.score;
      threshold = next === undefined ? g.score - 1 : (g.score + next) / 2;
    }
  });
  return { threshold, accuracy: (100 * best) / scores.length };
}

/** ROC curve: false and true positive rates as the threshold sweeps from high to low. */
export interface RocCurve {
  /** From 0 to 1. */
  fpr: number[];
  /** From 0 to 1. */
  tpr: number[];
  /** The score at each point ("same" iff score >= it); +Infinity at (0, 0). */
  thresholds: number[];
}

/** The ROC curve, one point per distinct score. */
export function rocCurve(scores: ArrayLike<number>, same: ArrayLike<number>): RocCurve {
  const groups = scoreGroups("rocCurve", scores, same);
  const pos = sum(groups, (g) => g.pos), neg = sum(groups, (g) => g.neg);
  if (pos === 0 || neg === 0) throw new RangeError("rocCurve: needs both same and different pairs");
  const roc: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0, fp = 0;
  for (const g of groups) {
    tp += g.pos;
    fp += g.neg;
    roc.fpr.push(fp / neg);
    roc.tpr.push(tp / pos);
    roc.thresholds.push(g.score);
  }
  return roc;
}

/** Area under the ROC curve (trapezoids): the chance a same pair outscores a different one, ties half. */
export function areaUnderCurve(roc: RocCurve): number {
  let area = 0;
  for (let k = 1; k < roc.fpr.length; k++) {
    area += ((roc.fpr[k] - roc.fpr[k - 1]) * (roc.tpr[k] + roc.tpr[k - 1])) / 2;
  }
  return area;
}

/** The error rate where false accepts equal false rejects (FPR = 1 - TPR), interpolated along the curve; a fraction. */
export function equalErrorRate(roc: RocCurve): number {
  // FPR + TPR - 1 never decreases along the curve, so its first crossing of 0 is bisected.
  const f = (k: number) => roc.fpr[k] + roc.tpr[k] - 1;
  const points = Array.from({ length: roc.fpr.length }, (_, k) => k);
  const k = bisector(f).left(points, 0, 1);
  if (k === points.length) return roc.fpr[roc.fpr.length - 1];
  const t = f(k) === f(k - 1) ? 0 : -f(k - 1) / (f(k) - f(k - 1));
  return roc.fpr[k - 1] + t * (roc.fpr[k] - roc.fpr[k - 1]);
}

/** Scores and labels of a set of pairs. */
export interface ScoredPairs {
  scores: ArrayLike<number>;
  same: ArrayLike<number>;
}

/** The numbers of one verification.csv row. */
export interface VerificationResult {
  /** Test accuracy at the validation threshold, percent. */
  accuracy: number;
  threshold: number;
  /** Test ROC area, in [0, 1]. */
  auc: number;
  /** Test equal error rate, percent. */
  eer: number;
  /** Accuracy of the chosen threshold on the validation pairs, percent. */
  validationAccuracy: number;
  testPairs: number;
}

/** Choose the threshold on `validation`, measure on `test`. */
export function evaluateVerification(
  pairs: { validation: ScoredPairs; test: ScoredPairs },
): VerificationResult {
  const chosen = bestThreshold(pairs.validation.scores, pairs.validation.same);
  const roc = rocCurve(pairs.test.scores, pairs.test.same);
  return {
    accuracy: accuracyAtThreshold(pairs.test.scores, pairs.test.same, chosen.threshold),
    threshold: chosen.threshold,
    auc: areaUnderCurve(roc),
    eer: 100 * equalErrorRate(roc),
    validationAccuracy: chosen.accuracy,
    testPairs: pairs.test.scores.length,
  };
}

/** Distinct scores from high to low with the counts of same (pos) and different (neg) pairs at each. */
function scoreGroups(
  who: string,
  scores: ArrayLike<number>,
  same: ArrayLike<number>,
): { score: number; pos: number; neg: number }[] {
  checkScores(who, scores, same);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) =>
    descending(scores[a], scores[b])
  );
  const groups: { score: number; pos: number; neg: number }[] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    const g = last && last.score === scores[i]
      ? last
      : groups[groups.push({ score: scores[i], pos: 0, neg: 0 }) - 1];
    if (same[i] === 1) g.pos++;
    else g.neg++;
  }
  return groups;
}

function checkScores(who: string, scores: ArrayLike<number>, same: ArrayLike<number>): void {
  if (scores.length !== same.length) {
    throw new RangeError(`${who}: ${scores.length} scores for ${same.length} labels`);
  }
  if (scores.length === 0) throw new RangeError(`${who}: no pairs`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`${who}: score ${i} is ${scores[i]}`);
  }
}
