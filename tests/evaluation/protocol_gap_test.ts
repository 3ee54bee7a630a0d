import assert from "node:assert/strict";
import { lakeRunsTask, type OneShotTask, withinAlphabetTask } from "../../lib/episodes/one_shot.ts";
import { locateRuns } from "../../lib/episodes/run_sources.ts";
import { factorSpread, type GapScorer, protocolGap } from "../../lib/evaluation/protocol_gap.ts";
import { protocolGapMarkdown } from "../../lib/report/protocol_gap_markdown.ts";
import { Rng } from "../../lib/rng.ts";
import { FIXTURE_SOURCES, fixtureRuns, fixtureSplit, readImage } from "../episodes/run_fixture.ts";

const split = fixtureSplit();
const runs = fixtureRuns(split);
const lakeChars = new Set(FIXTURE_SOURCES.flatMap((r) => r.characters));
const officialPair = new Map(
  FIXTURE_SOURCES.map((r) => [r.alphabet, `${r.supportDrawers[0]}->${r.queryDrawers[0]}`]),
);

/**
 * A scorer that recognises a query's class only when `knows(query, candidate)` holds; it
 * scores every candidate 0 otherwise, a tie, which never counts as right.
 */
function scorer(
  method: string,
  knows: (
    q: { character: number; drawer: number },
    s: { character: number; drawer: number },
  ) => boolean,
): GapScorer {
  return {
    method,
    scores: (task: OneShotTask) =>
      task.trials.map((t) => {
        const q = readImage(task.bank, t.query);
        return Float64Array.from(t.support, (i) => {
          const s = readImage(task.bank, i);
          return s.character === q.character && knows(q, s) ? 1 : 0;
        });
      }),
  };
}

const alphabetOf = (c: number) => split.characters[c].alphabet;
const scorers = [
  scorer("knows Lake's characters", (q) => lakeChars.has(q.character)),
  scorer(
    "knows Lake's drawers",
    (q, s) => officialPair.get(alphabetOf(q.character)) === `${s.drawer}->${q.drawer}`,
  ),
  scorer("knows alphabet A", (q) => alphabetOf(q.character) === "A"),
];
const koch400 = withinAlphabetTask(split, new Rng(1, "koch"), {
  ways: 3,
  trialsPerAlphabet: 12,
  alphabets: ["A", "B"],
  protocol: "koch-400",
});
const gap = protocolGap({
  scorers,
  lakeRuns: lakeRunsTask(runs),
  koch400,
  split,
  sources: locateRuns(runs, split),
  rng: new Rng(1, "gap"),
  repeats: 20,
  spreads: { draws: 8, shared: 5 },
});
const acc = (method: string, key: string) =>
  gap.methods.find((m) => m.method === method)!.constructions.find((c) => c.key === key)!;

Deno.test("protocolGap scores lake-runs, the four rebuilt variants and koch-400, in order", () => {
  assert.deepEqual(gap.constructions.map((c) => [c.key, c.trials]), [
    ["lake-runs", 6],
    ["official/official", 6],
    ["official/random", 120],
    ["random/official", 120],
    ["random/random", 120],
    ["koch-400", 24],
  ]);
});

Deno.test("a scorer that only knows Lake's characters loses only where the characters are drawn at random", () => {
  const m = "knows Lake's characters";
  for (const key of ["lake-runs", "official/official", "official/random"]) {
    assert.equal(acc(m, key).accuracy, 100, key);
  }
  for (const key of ["random/official", "random/random"]) {
    const a = acc(m, key).accuracy;
    assert.ok(a > 20 && a < 90, `${key}: ${a}`);
  }
});

Deno.test("a scorer that only knows Lake's drawers loses only where the drawers are drawn at random", () => {
  const m = "knows Lake's drawers";
  for (const key of ["lake-runs", "official/official", "random/official"]) {
    assert.equal(acc(m, key).accuracy, 100, key);
  }
  for (const key of ["official/random", "random/random"]) {
    assert.ok(acc(m, key).accuracy < 10, `${key}: ${acc(m, key).accuracy}`);
  }
});

Deno.test("per alphabet and per run: lake-runs' runs map to their alphabets, koch-400 groups by alphabet", () => {
  const m = "knows alphabet A";
  const lake = acc(m, "lake-runs");
  assert.deepEqual(lake.byGroup.map((g) => [g.group, g.trials, g.accuracy]), [
    ["run01", 3, 100],
    ["run02", 3, 0],
  ]);
  assert.deepEqual(lake.byAlphabet.map((g) => [g.group, g.trials, g.accuracy]), [
    ["A", 3, 100],
    ["B", 3, 0],
  ]);
  assert.equal(lake.accuracy, 50);
  for (const key of ["random/random", "koch-400"]) {
    assert.deepEqual(
      acc(m, key).byAlphabet.map((g) => [g.group, g.accuracy]),
      [["A", 100], ["B", 0]],
      key,
    );
  }
  assert.deepEqual(acc(m, "koch-400").byGroup.map((g) => [g.group, g.trials]), [
    ["A", 12],
    ["B", 12],
  ]);
});

Deno.test("per-trial difficulty follows the scores: a perfect scorer has margin 1 and no rivals", () => {
  const s = acc("knows Lake's characters", "lake-runs");
  assert.equal(s.medianMargin, 1);
  assert.equal(s.meanRivals, 0);
  // The fixture scorer gives the right candidate's image 0 to every other candidate, below
  // the query's 1: no look-alikes.
  assert.equal(s.meanLookAlikes, 0);
  const lost = acc("knows Lake's drawers", "official/random");
  assert.equal(lost.meanRivals, 2);
});

Deno.test("alphabetDraws says how each protocol drew its characters and drawers", () => {
  assert.deepEqual(gap.draws.map((d) => d.alphabet), ["A", "B"]);
  const a = gap.draws[0];
  assert.equal(a.characters, 6);
  assert.equal(a.lakeCharacters, 3);
  assert.equal(a.lakeRunsShareCharacters, true);
  assert.deepEqual(a.lakeDrawers, ["5->8"]);
  const kochA = new Set(
    koch400.trials.filter((t) => t.group === "A").flatMap((t) =>
      t.support.map((i) => Math.floor(i / 20))
    ),
  );
  assert.equal(a.kochCharacters, kochA.size);
  assert.equal(a.kochOverlap, [...kochA].filter((c) => lakeChars.has(c)).length);
  const drawers = koch400.trials.filter((t) => t.group === "A").map((t) =>
    [t.query % 20 + 1, t.support[0] % 20 + 1].sort((x, y) => x - y).join("<->")
  );
  assert.deepEqual(a.kochDrawers, [...new Set(drawers)]);
});

Deno.test("protocolGapMarkdown tabulates every construction and the factor effects", () => {
  const md = protocolGapMarkdown(gap, {
    results: "/tmp/x",
    profile: "quick",
    seed: 1,
    imageSize: 4,
    repeats: 20,
  });
  const row = (label: string) => md.split("\n").find((l) => l.startsWith(`| ${label} |`));
  assert.match(row("lake-runs (all_runs.zip)")!, /\| 6 \| 100\.00 \[/);
  const drawersEffect = row("Lake's drawers: random/official - random/random")!.split(" | ");
  const expected = acc("knows Lake's drawers", "random/official").accuracy -
    acc("knows Lake's drawers", "random/random").accuracy;
  assert.equal(drawersEffect[3], expected.toFixed(2));
  assert.match(md, /\| run02 \| B \| 1->2 \| 100\.00 \| 100\.00 \| 0\.00 \|/);
  assert.match(md, /seed 1, 4x4\)\. The official runs/);
  const boxed = protocolGapMarkdown(gap, {
    results: "/tmp/x",
    profile: "quick",
    seed: 1,
    imageSize: 4,
    inkBox: 0.8,
    repeats: 20,
  });
  assert.match(boxed, /seed 1, 4x4, every image cut to its ink box at 0\.8, 1-NN's too\)/);
});

Deno.test("spreads: a scorer that knows only Lake's characters ranks Lake's sets above random draws, not Lake's drawers", () => {
  const c = gap.methods.find((m) => m.method === "knows Lake's characters")!.spreads!;
  assert.equal(c.characters.trialsPerDraw, 15);
  assert.equal(c.characters.lakeMean, 100);
  for (const a of c.characters.units) {
    assert.equal(a.lake, 100);
    // A random set loses every trial whose query is not one of Lake's characters; only a
    // draw of exactly Lake's characters (1 in 10 in alphabet B) scores 100 too.
    assert.ok(a.randomMean < 90, `${a.unit}: random sets scored ${a.randomMean}`);
    assert.ok(a.below >= 6, `${a.unit}: ${a.below} random sets below Lake's`);
  }
  assert.equal(c.characters.lakePercentile, 100);
  // The drawers spread shares its random character sets between Lake's and random drawers.
  for (const u of c.drawers.units) assert.equal(u.lake, u.randomMean);
  assert.equal(c.drawers.lakePercentile, 0);
});

Deno.test("spreads: a scorer that knows only Lake's drawers ranks Lake's drawers first, not Lake's characters", () => {
  const d = gap.methods.find((m) => m.method === "knows Lake's drawers")!.spreads!;
  assert.deepEqual(d.drawers.units.map((u) => [u.unit, u.lake, u.below]), [
    ["run01", 100, 8],
    ["run02", 100, 8],
  ]);
  assert.equal(d.drawers.lakePercentile, 100);
  for (const a of d.characters.units) assert.equal(a.lake, a.randomMean);
});

Deno.test("factorSpread: per-unit rank and the all-unit percentile from group accuracies", () => {
  const g = (group: string, accuracy: number) => ({ group, trials: 40, correct: 0, accuracy });
  const spread = factorSpread([
    g("X#0", 80),
    g("X#1", 70),
    g("X#2", 90),
    g("X#3", 80),
    g("Y#0", 60),
    g("Y#1", 50),
    g("Y#2", 40),
    g("Y#3", 65),
  ], 3);
  assert.deepEqual(spread.units, [
    { unit: "X", lake: 80, randomMean: 80, randomMin: 70, randomMax: 90, below: 1, draws: 3 },
    { unit: "Y", lake: 60, randomMean: 155 / 3, randomMin: 40, randomMax: 65, below: 2, draws: 3 },
  ]);
  assert.equal(spread.trialsPerDraw, 40);
  assert.equal(spread.lakeMean, 70);
  assert.deepEqual(spread.randomMeans, [60, 65, 72.5]);
  assert.equal(spread.lakePercentile, 200 / 3);
  assert.throws(() => factorSpread([g("X#0", 1)], 1), /no group X#1/);
});

Deno.test("accuracy by drawer on random/random: the query's and the supports' drawer suffixes", () => {
  const m = gap.methods.find((m) => m.method === "knows Lake's characters")!;
  const total = (list: { trials: number }[]) => list.reduce((s, g) => s + g.trials, 0);
  assert.equal(total(m.drawers.query), 120);
  assert.equal(total(m.drawers.support), 120);
  for (const g of [...m.drawers.query, ...m.drawers.support]) {
    assert.match(g.group, /^(0[1-9]|1\d|20)$/);
  }
});
