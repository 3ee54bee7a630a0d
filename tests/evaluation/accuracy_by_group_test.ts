import assert from "node:assert/strict";
import type { OneShotTrial } from "../../lib/episodes/one_shot.ts";
import { accuracyByGroup } from "../../lib/evaluation/accuracy_by_group.ts";

const trial = (group: string): OneShotTrial => ({ query: 0, support: [1, 2], answer: 0, group });
const trials = ["run02", "run01", "run02", "run03", "run01", "run02"].map(trial);
const outcomes = [true, false, true, false, true, false];

Deno.test("accuracyByGroup counts each group's own trials, sorted by group", () => {
  assert.deepEqual(accuracyByGroup(trials, outcomes), [
    { group: "run01", trials: 2, correct: 1, accuracy: 50 },
    { group: "run02", trials: 3, correct: 2, accuracy: 200 / 3 },
    { group: "run03", trials: 1, correct: 0, accuracy: 0 },
  ]);
});

Deno.test("accuracyByGroup groups by any key: runs into their alphabets", () => {
  const alphabet: Record<string, string> = {
    run01: "Tengwar",
    run02: "Atlantean",
    run03: "Tengwar",
  };
  assert.deepEqual(accuracyByGroup(trials, outcomes, (t) => alphabet[t.group]), [
    { group: "Atlantean", trials: 3, correct: 2, accuracy: 200 / 3 },
    { group: "Tengwar", trials: 3, correct: 1, accuracy: 100 / 3 },
  ]);
});

Deno.test("accuracyByGroup refuses outcomes that do not match the trials", () => {
  assert.throws(() => accuracyByGroup(trials, outcomes.slice(1)), /5 outcomes for 6 trials/);
});
