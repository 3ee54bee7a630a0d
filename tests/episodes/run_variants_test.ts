import assert from "node:assert/strict";
import { checkTask } from "../../lib/episodes/one_shot.ts";
import { runVariantTask } from "../../lib/episodes/run_variants.ts";
import { Rng } from "../../lib/rng.ts";
import { FIXTURE_SOURCES, fixtureSplit } from "./run_fixture.ts";

const split = fixtureSplit();
const charOf = (i: number) => Math.floor(i / 20);
const drawerOf = (i: number) => i % 20;
const alphabetOf = (c: number) => split.characters[c].alphabet;

Deno.test("official characters and drawers rebuild exactly the runs' trials, once", () => {
  const task = runVariantTask(
    split,
    FIXTURE_SOURCES,
    { characters: "official", drawers: "official" },
    new Rng(1),
    5,
  );
  checkTask(task);
  assert.equal(task.protocol, "lake-runs");
  assert.equal(task.ways, 3);
  assert.equal(task.bank, split.images);
  assert.deepEqual(task.trials, [
    { query: 4 * 20 + 7, support: [4, 44, 84], answer: 2, group: "run01" },
    { query: 0 * 20 + 7, support: [4, 44, 84], answer: 0, group: "run01" },
    { query: 2 * 20 + 7, support: [4, 44, 84], answer: 1, group: "run01" },
    { query: 7 * 20 + 1, support: [120, 140, 180], answer: 1, group: "run02" },
    { query: 9 * 20 + 1, support: [120, 140, 180], answer: 2, group: "run02" },
    { query: 6 * 20 + 1, support: [120, 140, 180], answer: 0, group: "run02" },
  ]);
});

Deno.test("official characters, random drawers: the runs' characters and answers, one new drawer per side", () => {
  const repeats = 40;
  const task = runVariantTask(
    split,
    FIXTURE_SOURCES,
    { characters: "official", drawers: "random" },
    new Rng(2),
    repeats,
  );
  checkTask(task);
  assert.equal(task.trials.length, FIXTURE_SOURCES.length * 3 * repeats);
  const pairs = new Set<string>();
  FIXTURE_SOURCES.forEach((run, r) => {
    for (let d = 0; d < repeats; d++) {
      const draw = task.trials.slice((r * repeats + d) * 3, (r * repeats + d + 1) * 3);
      for (const [q, t] of draw.entries()) {
        assert.equal(t.group, run.name);
        assert.equal(t.answer, run.answers[q]);
        assert.deepEqual(t.support.map(charOf), run.characters);
        assert.equal(charOf(t.query), run.characters[t.answer]);
      }
      const supportDrawers = new Set(draw.flatMap((t) => t.support.map(drawerOf)));
      const queryDrawers = new Set(draw.map((t) => drawerOf(t.query)));
      assert.equal(supportDrawers.size, 1);
      assert.equal(queryDrawers.size, 1);
      assert.notDeepEqual([...supportDrawers], [...queryDrawers]);
      pairs.add(`${[...supportDrawers][0]}/${[...queryDrawers][0]}`);
    }
  });
  // The drawers are drawn, not the official ones kept: many distinct pairs over 80 draws.
  assert.ok(pairs.size > 20, `only ${pairs.size} drawer pairs`);
});

Deno.test("random characters, official drawers: the runs' drawers and answer map, characters of the run's alphabet", () => {
  const repeats = 30;
  const task = runVariantTask(
    split,
    FIXTURE_SOURCES,
    { characters: "random", drawers: "official" },
    new Rng(3),
    repeats,
  );
  checkTask(task);
  assert.equal(task.trials.length, FIXTURE_SOURCES.length * 3 * repeats);
  let changed = 0;
  FIXTURE_SOURCES.forEach((run, r) => {
    for (let d = 0; d < repeats; d++) {
      const draw = task.trials.slice((r * repeats + d) * 3, (r * repeats + d + 1) * 3);
      const chars = draw[0].support.map(charOf);
      assert.equal(new Set(chars).size, 3);
      for (const c of chars) assert.equal(alphabetOf(c), run.alphabet);
      if (chars.join() !== run.characters.join()) changed++;
      for (const [q, t] of draw.entries()) {
        assert.deepEqual(t.support.map(charOf), chars);
        assert.deepEqual(t.support.map(drawerOf), run.supportDrawers);
        assert.equal(drawerOf(t.query), run.queryDrawers[q]);
        assert.equal(t.answer, run.answers[q]);
        assert.equal(charOf(t.query), chars[t.answer]);
      }
    }
  });
  assert.ok(changed > repeats, `characters changed in only ${changed} of ${2 * repeats} draws`);
});

Deno.test("random characters and drawers vary both, within the run's alphabet", () => {
  const task = runVariantTask(
    split,
    FIXTURE_SOURCES,
    { characters: "random", drawers: "random" },
    new Rng(4),
    20,
  );
  checkTask(task);
  const byRun = Map.groupBy(task.trials, (t) => t.group);
  for (const run of FIXTURE_SOURCES) {
    const trials = byRun.get(run.name)!;
    assert.equal(trials.length, 60);
    for (const t of trials) {
      for (const i of [t.query, ...t.support]) assert.equal(alphabetOf(charOf(i)), run.alphabet);
    }
    assert.ok(new Set(trials.map((t) => drawerOf(t.query))).size > 5);
    assert.ok(new Set(trials.map((t) => t.support.map(charOf).join())).size > 3);
  }
});

Deno.test("runVariantTask rejects bad repeats and unknown alphabets", () => {
  const v = { characters: "random", drawers: "random" } as const;
  assert.throws(() => runVariantTask(split, FIXTURE_SOURCES, v, new Rng(1), 0), /repeats/);
  assert.throws(
    () => runVariantTask(split, [{ ...FIXTURE_SOURCES[0], alphabet: "Z" }], v, new Rng(1)),
    /alphabet Z is not in evaluation/,
  );
});
