import assert from "node:assert/strict";
import {
  accuracyAtThreshold,
  areaUnderCurve,
  bestThreshold,
  equalErrorRate,
  evaluateVerification,
  rocCurve,
  verificationPairs,
} from "../../lib/evaluation/verification.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "../training/fixtures.ts";

// Five pairs by hand: scores high to low are same, same, different, same, different.
const scores = [0.9, 0.8, 0.7, 0.3, 0.2];
const same = [1, 1, 0, 1, 0];
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

Deno.test("the best threshold sits midway between scores and maximises accuracy (4 of 5 at 0.75)", () => {
  const best = bestThreshold(scores, same);
  close(best.threshold, 0.75);
  close(best.accuracy, 80);
  close(accuracyAtThreshold(scores, same, 0.75), 80);
  close(accuracyAtThreshold(scores, same, 0.5), 60);
  // Everything "different" is the floor: 2 of 5.
  close(accuracyAtThreshold(scores, same, 1), 40);
});

Deno.test("the ROC curve steps through each score from high to low", () => {
  const roc = rocCurve(scores, same);
  assert.deepEqual(roc.fpr, [0, 0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(roc.tpr.map((t) => Math.round(t * 1000) / 1000), [0, 0.333, 0.667, 0.667, 1, 1]);
  assert.deepEqual(roc.thresholds, [Infinity, 0.9, 0.8, 0.7, 0.3, 0.2]);
});

Deno.test("AUC is the chance that a same pair outscores a different one (5 of 6 here)", () => {
  close(areaUnderCurve(rocCurve(scores, same)), 5 / 6);
});

Deno.test("EER is where false accepts equal false rejects (1/3 here)", () => {
  // Between (fpr 0, tpr 2/3) and (fpr 0.5, tpr 2/3) the miss rate is 1/3; fpr reaches 1/3 on the way.
  close(equalErrorRate(rocCurve(scores, same)), 1 / 3);
});

Deno.test("perfect scores give AUC 1 and EER 0; constant scores give 0.5 and 0.5", () => {
  const perfect = rocCurve([3, 2, 1, 0], [1, 1, 0, 0]);
  close(areaUnderCurve(perfect), 1);
  close(equalErrorRate(perfect), 0);
  const flat = rocCurve([1, 1, 1, 1], [1, 0, 1, 0]);
  close(areaUnderCurve(flat), 0.5);
  close(equalErrorRate(flat), 0.5);
  // A constant scorer's best threshold cannot beat the majority class.
  close(bestThreshold([1, 1, 1, 1], [1, 0, 1, 0]).accuracy, 50);
});

Deno.test("the threshold is chosen on validation pairs and the accuracy measured on test pairs", () => {
  const result = evaluateVerification({
    validation: { scores, same },
    test: { scores: [1, 0.5, 0.76, 0.74], same: [1, 0, 1, 0] },
  });
  close(result.threshold, 0.75);
  close(result.accuracy, 100);
  close(result.validationAccuracy, 80);
  close(result.auc, 1);
  close(result.eer, 0);
  assert.equal(result.testPairs, 4);
});

Deno.test("scores must be finite and match the labels", () => {
  assert.throws(() => bestThreshold([NaN, 1], [1, 0]), /score 0 is NaN/);
  assert.throws(() => rocCurve([1, 2], [1]), /2 scores for 1 labels/);
  assert.throws(() => rocCurve([1, 2], [1, 1]), /both same and different/);
});

const split = fakeSplit(["A", "B", "C"], 4, 1, undefined, "evaluation");
const alphabetOf = (image: number) => split.characters[Math.floor(image / 20)].alphabet;

Deno.test("verification pairs: half same (one character, two drawers), half different characters, from the given alphabets", () => {
  const pairs = verificationPairs(split, new Rng(1), { pairs: 200, alphabets: ["A", "B"] });
  assert.equal(pairs.same.reduce((s, v) => s + v, 0), 100);
  for (let p = 0; p < 200; p++) {
    const [l, r] = [pairs.left[p], pairs.right[p]];
    assert.ok(["A", "B"].includes(alphabetOf(l)) && ["A", "B"].includes(alphabetOf(r)));
    if (pairs.same[p]) {
      assert.equal(Math.floor(l / 20), Math.floor(r / 20));
      assert.notEqual(l, r);
    } else assert.notEqual(Math.floor(l / 20), Math.floor(r / 20));
  }
});

Deno.test("withinAlphabet decides whether different pairs share an alphabet; the seed fixes the pairs", () => {
  const within = verificationPairs(split, new Rng(2), {
    pairs: 60,
    alphabets: ["A", "B", "C"],
    withinAlphabet: 1,
  });
  const across = verificationPairs(split, new Rng(2), {
    pairs: 60,
    alphabets: ["A", "B", "C"],
    withinAlphabet: 0,
  });
  for (let p = 1; p < 60; p += 2) {
    assert.equal(alphabetOf(within.left[p]), alphabetOf(within.right[p]));
    assert.notEqual(alphabetOf(across.left[p]), alphabetOf(across.right[p]));
  }
  assert.deepEqual(
    verificationPairs(split, new Rng(2), { pairs: 60, alphabets: ["A"] }),
    verificationPairs(split, new Rng(2), { pairs: 60, alphabets: ["A"] }),
  );
});
