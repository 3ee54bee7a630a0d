import assert from "node:assert/strict";
import type { OmniglotSplit } from "../../lib/data/omniglot.ts";
import type { LakeRun } from "../../lib/data/lake_runs.ts";
import {
  checkTask,
  lakeRunsTask,
  mnist400Task,
  withinAlphabetTask,
} from "../../lib/episodes/one_shot.ts";
import { Rng } from "../../lib/rng.ts";

/** A fake split: `alphabets` alphabets of `chars` characters, 20 drawers, 2x2 images. */
function fakeSplit(alphabets: number, chars: number): OmniglotSplit {
  const characters = [];
  const list = [];
  for (let a = 0; a < alphabets; a++) {
    const idx = [];
    for (let c = 0; c < chars; c++) {
      idx.push(characters.length);
      characters.push({
        index: characters.length,
        alphabet: `A${a}`,
        name: `character${c + 1}`,
        id: characters.length + 1,
      });
    }
    list.push({ name: `A${a}`, characters: idx });
  }
  const count = characters.length * 20;
  return {
    name: "evaluation",
    alphabets: list,
    characters,
    images: { size: 2, count, pixels: new Float32Array(count * 4) },
  };
}

const charOf = (image: number) => Math.floor(image / 20);
const drawerOf = (image: number) => image % 20;

Deno.test("within-alphabet trials use one alphabet, two drawers, and N distinct characters", () => {
  const split = fakeSplit(3, 25);
  const task = withinAlphabetTask(split, new Rng(1), {
    ways: 20,
    trialsPerAlphabet: 40,
    alphabets: ["A0", "A1", "A2"],
  });
  checkTask(task);
  assert.equal(task.trials.length, 120);
  assert.equal(task.protocol, "koch-400");
  for (const t of task.trials) {
    const alphabet = split.characters[charOf(t.query)].alphabet;
    assert.equal(t.group, alphabet);
    for (const s of t.support) assert.equal(split.characters[charOf(s)].alphabet, alphabet);
    assert.equal(
      charOf(t.support[t.answer]),
      charOf(t.query),
      "the answer is the query's character",
    );
    const drawers = new Set(t.support.map(drawerOf));
    assert.equal(drawers.size, 1, "the support set is one drawer");
    assert.notEqual(drawerOf(t.query), drawerOf(t.support[0]), "the query is by the other drawer");
    assert.equal(new Set(t.support.map(charOf)).size, 20);
  }
});

Deno.test("every character of a 20-character draw is queried once per drawer direction", () => {
  const task = withinAlphabetTask(fakeSplit(1, 20), new Rng(2), {
    ways: 20,
    trialsPerAlphabet: 40,
    alphabets: ["A0"],
  });
  const queried = task.trials.map((t) => `${charOf(t.query)}/${drawerOf(t.query)}`);
  assert.equal(new Set(queried).size, 40);
});

Deno.test("episodes are fixed by the seed", () => {
  const split = fakeSplit(2, 20);
  const opts = { ways: 5, trialsPerAlphabet: 12, alphabets: ["A0", "A1"] };
  assert.deepEqual(
    withinAlphabetTask(split, new Rng(5), opts).trials,
    withinAlphabetTask(split, new Rng(5), opts).trials,
  );
  assert.notDeepEqual(
    withinAlphabetTask(split, new Rng(5), opts).trials,
    withinAlphabetTask(split, new Rng(6), opts).trials,
  );
});

Deno.test("an alphabet with fewer characters than N is refused", () => {
  assert.throws(
    () =>
      withinAlphabetTask(fakeSplit(1, 10), new Rng(1), {
        ways: 20,
        trialsPerAlphabet: 40,
        alphabets: ["A0"],
      }),
    /fewer than 20/,
  );
});

Deno.test("lake-runs maps each query to its run's support image through class_labels", () => {
  const img = (n: number) => ({ size: 2, count: n, pixels: new Float32Array(n * 4) });
  const runs: LakeRun[] = [0, 1].map((r) => ({
    name: `run0${r + 1}`,
    training: img(20),
    test: img(20),
    answers: Array.from({ length: 20 }, (_, i) => (i * 7 + r) % 20),
  }));
  const task = lakeRunsTask(runs);
  checkTask(task);
  assert.equal(task.trials.length, 40);
  const t = task.trials[20 + 3]; // run02, item04
  assert.equal(t.group, "run02");
  assert.equal(t.query, 40 + 20 + 3);
  assert.equal(t.support[t.answer], 40 + (3 * 7 + 1) % 20);
});

Deno.test("mnist-400 has one support image per digit and a query of the answer's digit", () => {
  const count = 60;
  const labels = new Uint8Array(count).map((_, i) => i % 10);
  const pixels = new Float32Array(count * 4).map((_, i) => Math.floor(i / 4)); // image i is filled with i
  const task = mnist400Task({ images: { size: 2, count, pixels }, labels }, new Rng(3), 50);
  checkTask(task);
  assert.equal(task.trials.length, 50);
  const source = (bankIndex: number) => task.bank.pixels[bankIndex * 4];
  for (const t of task.trials) {
    assert.deepEqual(t.support.map((s) => source(s) % 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(source(t.query) % 10, t.answer);
    assert.notEqual(source(t.query), source(t.support[t.answer]));
  }
});
