import assert from "node:assert/strict";
import { TEST_ALPHABETS, VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import {
  checkTask,
  KOCH_VAL_TRIALS_PER_ALPHABET,
  kochValTask,
} from "../../lib/episodes/one_shot.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeSplit } from "../training/fixtures.ts";
import { NO_OMNIGLOT } from "../helpers.ts";

// The 20 evaluation alphabets, test ones first, so that a task drawing from the default
// (test) alphabets or by position would land on them.
const split = fakeSplit(
  [...TEST_ALPHABETS, ...VALIDATION_ALPHABETS],
  25,
  1,
  undefined,
  "evaluation",
);

Deno.test("koch-val: 2,000 20-way within-alphabet trials, 200 per validation alphabet, no test image", () => {
  const task = kochValTask(split, new Rng(1, "episodes").fork("koch-val"));
  checkTask(task);
  assert.equal(task.protocol, "koch-val");
  assert.equal(task.dataset, "omniglot-validation");
  assert.equal(task.ways, 20);
  assert.equal(task.trials.length, 2000);
  assert.equal(KOCH_VAL_TRIALS_PER_ALPHABET * VALIDATION_ALPHABETS.length, 2000);
  const perGroup = new Map<string, number>();
  for (const t of task.trials) perGroup.set(t.group, (perGroup.get(t.group) ?? 0) + 1);
  assert.deepEqual([...perGroup.keys()].sort(), [...VALIDATION_ALPHABETS].sort());
  for (const n of perGroup.values()) assert.equal(n, 200);
  const test = new Set(TEST_ALPHABETS);
  for (const t of task.trials) {
    const alphabetOf = (i: number) => split.characters[Math.floor(i / 20)].alphabet;
    for (const i of [t.query, ...t.support]) {
      assert.equal(alphabetOf(i), t.group, "within the trial's alphabet");
      assert.ok(!test.has(alphabetOf(i)), `image ${i} is of test alphabet ${alphabetOf(i)}`);
    }
    // Two drawers: every candidate by one, the query by the other.
    const supportDrawers = new Set(t.support.map((i) => i % 20));
    assert.equal(supportDrawers.size, 1);
    assert.ok(!supportDrawers.has(t.query % 20));
    assert.equal(Math.floor(t.query / 20), Math.floor(t.support[t.answer] / 20));
  }
});

Deno.test("koch-val is fixed by the seed and differs between seeds", () => {
  const draw = (seed: number) => kochValTask(split, new Rng(seed, "episodes").fork("koch-val"));
  assert.deepEqual(draw(1).trials, draw(1).trials);
  assert.notDeepEqual(draw(1).trials, draw(2).trials);
});

Deno.test({
  name:
    "a run's koch-val comes from its own stream; koch-400 and n-way are drawn as before it existed",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const data = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
    const tasks = await data.tasks();
    const evaluation = (await data.omniglot()).evaluation;
    const episodes = new Rng(1, "episodes");
    assert.deepEqual(
      tasks.kochVal.trials,
      kochValTask(evaluation, episodes.fork("koch-val")).trials,
    );
    // Not a stream another protocol reads: koch-400's would give other trials.
    assert.notDeepEqual(
      tasks.kochVal.trials,
      kochValTask(evaluation, episodes.fork("koch-400")).trials,
    );
    // koch-400 and n-way as drawn before koch-val existed (seed 1, values of that code).
    const pin = (t: { query: number; answer: number; group: string; support: number[] }) => [
      t.query,
      t.answer,
      t.group,
      t.support[0],
    ];
    assert.deepEqual(pin(tasks.koch400.trials[0]), [1312, 19, "Atlantean", 1427]);
    assert.deepEqual(pin(tasks.koch400.trials[399]), [12129, 7, "Tibetan", 12181]);
    assert.deepEqual(pin(tasks.nWay[0].trials[0]), [1032, 1, "Atlantean", 1216]);
    assert.equal(tasks.kochVal.bank, evaluation.images);
    // Each test protocol alone (support-tuning's --protocols) is the one tasks() builds.
    const alone = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
    assert.deepEqual((await alone.koch400()).trials, tasks.koch400.trials);
    assert.deepEqual((await alone.lakeRuns()).trials, tasks.lakeRuns.trials);
    // The ensembles' four protocols, in their rows' order, are those trials too.
    const ensemble = await new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true })
      .ensembleTasks();
    assert.deepEqual(ensemble.map((t) => t.trials), [
      tasks.lakeRuns.trials,
      tasks.koch400.trials,
      tasks.kochVal.trials,
      (await data.mnistTask()).trials,
    ]);
  },
});
