import assert from "node:assert/strict";
import { checkTask } from "../../lib/episodes/one_shot.ts";
import {
  characterSetGroup,
  characterSetTask,
  lakeCharacterSets,
} from "../../lib/episodes/character_set_trials.ts";
import { Rng } from "../../lib/rng.ts";
import { FIXTURE_SOURCES, fixtureSplit } from "./run_fixture.ts";

const split = fixtureSplit();
const charOf = (i: number) => Math.floor(i / 20);
const drawerOf = (i: number) => i % 20;

Deno.test("lakeCharacterSets: each alphabet's characters from its first run", () => {
  const second = { ...FIXTURE_SOURCES[0], name: "run03", characters: [1, 3, 5] };
  assert.deepEqual(
    [...lakeCharacterSets([...FIXTURE_SOURCES, second])],
    [["A", [0, 2, 4]], ["B", [6, 7, 9]]],
  );
});

Deno.test("characterSetTask: set 0 is Lake's, every set of an alphabet shares its drawer pairs", () => {
  const sets = 6, pairs = 4;
  const task = characterSetTask(split, FIXTURE_SOURCES, new Rng(5), { sets, pairs });
  checkTask(task);
  assert.equal(task.ways, 3);
  assert.equal(task.trials.length, 2 * (sets + 1) * pairs * 3);
  const byGroup = Map.groupBy(task.trials, (t) => t.group);
  assert.deepEqual(
    [...byGroup.keys()],
    ["A", "B"].flatMap((a) => Array.from({ length: sets + 1 }, (_, s) => characterSetGroup(a, s))),
  );
  for (const run of FIXTURE_SOURCES) {
    const drawerPairs = (s: number) =>
      byGroup.get(characterSetGroup(run.alphabet, s))!.map((t) =>
        `${drawerOf(t.query)}/${drawerOf(t.support[0])}`
      );
    const lake = byGroup.get(characterSetGroup(run.alphabet, 0))!;
    assert.equal(lake.length, pairs * 3);
    for (const t of lake) assert.deepEqual(t.support.map(charOf), run.characters);
    let differs = 0;
    for (let s = 1; s <= sets; s++) {
      const trials = byGroup.get(characterSetGroup(run.alphabet, s))!;
      assert.deepEqual(drawerPairs(s), drawerPairs(0), `set ${s} drawers`);
      const chars = trials[0].support.map(charOf);
      for (const c of chars) assert.equal(split.characters[c].alphabet, run.alphabet);
      if (chars.join() !== run.characters.join()) differs++;
      for (const t of trials) {
        assert.equal(charOf(t.query), chars[t.answer]);
        assert.equal(new Set(t.support.map(drawerOf)).size, 1);
        assert.notEqual(drawerOf(t.query), drawerOf(t.support[0]));
      }
    }
    assert.ok(differs >= sets - 2, `only ${differs} random sets differ from Lake's`);
    assert.ok(new Set(drawerPairs(0)).size > 1);
  }
});

Deno.test("characterSetTask rejects non-positive counts", () => {
  assert.throws(
    () => characterSetTask(split, FIXTURE_SOURCES, new Rng(1), { sets: 0, pairs: 2 }),
    /sets must be a positive integer, got 0/,
  );
});
