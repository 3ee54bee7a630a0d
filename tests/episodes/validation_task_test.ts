import assert from "node:assert/strict";
import { VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { validationTask } from "../../lib/episodes/validation_task.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "../training/fixtures.ts";

Deno.test("validation uses 320 20-way trials drawn only from the validation alphabets", () => {
  const split = fakeSplit([...VALIDATION_ALPHABETS, "Tengwar"], 20, 1, undefined, "evaluation");
  const task = validationTask(split, new Rng(1));
  assert.equal(task.trials.length, 320);
  assert.equal(task.ways, 20);
  const allowed = new Set(VALIDATION_ALPHABETS);
  for (const t of task.trials) {
    assert.ok(allowed.has(t.group));
    for (const i of [t.query, ...t.support]) {
      assert.ok(allowed.has(split.characters[Math.floor(i / 20)].alphabet));
    }
  }
});
