import assert from "node:assert/strict";
import { checkTask, type OneShotTrial } from "../../lib/episodes/one_shot.ts";
import {
  factorSpreadTask,
  lakeCharacterSets,
  spreadGroup,
} from "../../lib/episodes/factor_spread_trials.ts";
import { Rng } from "../../lib/rng.ts";
import { FIXTURE_SOURCES, fixtureSplit } from "./run_fixture.ts";

const split = fixtureSplit();
const charOf = (i: number) => Math.floor(i / 20);
const drawerOf = (i: number) => i % 20;
const draws = 6, shared = 4;
const pairOf = (t: OneShotTrial) => `${drawerOf(t.query)}/${drawerOf(t.support[0])}`;
const setOf = (t: OneShotTrial) => t.support.map(charOf).join();

Deno.test("lakeCharacterSets: each alphabet's characters from its first run", () => {
  const second = { ...FIXTURE_SOURCES[0], name: "run03", characters: [1, 3, 5] };
  assert.deepEqual(
    [...lakeCharacterSets([...FIXTURE_SOURCES, second])],
    [["A", [0, 2, 4]], ["B", [6, 7, 9]]],
  );
});

Deno.test("characters: draw 0 is Lake's set, every set of an alphabet on the same drawer pairs", () => {
  const task = factorSpreadTask(split, FIXTURE_SOURCES, "characters", new Rng(5), {
    draws,
    shared,
  });
  checkTask(task);
  assert.equal(task.ways, 3);
  assert.equal(task.trials.length, 2 * (draws + 1) * shared * 3);
  const byGroup = Map.groupBy(task.trials, (t) => t.group);
  assert.deepEqual(
    [...byGroup.keys()],
    ["A", "B"].flatMap((a) => Array.from({ length: draws + 1 }, (_, s) => spreadGroup(a, s))),
  );
  for (const run of FIXTURE_SOURCES) {
    const group = (s: number) => byGroup.get(spreadGroup(run.alphabet, s))!;
    assert.equal(group(0).length, shared * 3);
    for (const t of group(0)) assert.deepEqual(t.support.map(charOf), run.characters);
    let differs = 0;
    for (let s = 1; s <= draws; s++) {
      assert.deepEqual(group(s).map(pairOf), group(0).map(pairOf), `set ${s} drawers`);
      const chars = group(s)[0].support.map(charOf);
      for (const c of chars) assert.equal(split.characters[c].alphabet, run.alphabet);
      if (chars.join() !== run.characters.join()) differs++;
      for (const t of group(s)) {
        assert.equal(charOf(t.query), chars[t.answer]);
        assert.equal(new Set(t.support.map(drawerOf)).size, 1);
        assert.notEqual(drawerOf(t.query), drawerOf(t.support[0]));
      }
    }
    assert.ok(differs >= draws - 2, `only ${differs} random sets differ from Lake's`);
    assert.ok(new Set(group(0).map(pairOf)).size > 1);
  }
});

Deno.test("drawers: draw 0 is the run's drawers, every pair of a run on the same character sets", () => {
  const task = factorSpreadTask(split, FIXTURE_SOURCES, "drawers", new Rng(6), {
    draws,
    shared,
  });
  checkTask(task);
  assert.equal(task.trials.length, 2 * (draws + 1) * shared * 3);
  const byGroup = Map.groupBy(task.trials, (t) => t.group);
  assert.deepEqual(
    [...byGroup.keys()],
    ["run01", "run02"].flatMap((r) =>
      Array.from({ length: draws + 1 }, (_, p) => spreadGroup(r, p))
    ),
  );
  for (const run of FIXTURE_SOURCES) {
    const group = (p: number) => byGroup.get(spreadGroup(run.name, p))!;
    const official = `${run.queryDrawers[0]}/${run.supportDrawers[0]}`;
    assert.deepEqual(new Set(group(0).map(pairOf)), new Set([official]));
    const pairs = new Set<string>();
    for (let p = 0; p <= draws; p++) {
      assert.deepEqual(group(p).map(setOf), group(0).map(setOf), `pair ${p} characters`);
      assert.equal(new Set(group(p).map(pairOf)).size, 1);
      if (p > 0) pairs.add(pairOf(group(p)[0]));
      for (const t of group(p)) {
        assert.equal(charOf(t.query), t.support.map(charOf)[t.answer]);
        for (const i of [t.query, ...t.support]) {
          assert.equal(split.characters[charOf(i)].alphabet, run.alphabet);
        }
      }
    }
    assert.ok(pairs.size >= draws - 1, `random pairs ${[...pairs]}`);
    assert.ok(new Set(group(0).map(setOf)).size > 1);
  }
});

Deno.test("factorSpreadTask rejects non-positive counts", () => {
  assert.throws(
    () => factorSpreadTask(split, FIXTURE_SOURCES, "drawers", new Rng(1), { draws: 0, shared: 2 }),
    /draws must be a positive integer, got 0/,
  );
});
