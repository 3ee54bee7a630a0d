import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { SAME_TOWER_METHOD, SIAMESE_METHOD } from "../../lib/experiments/model_store.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import type { RunRecord } from "../../lib/report/results.ts";
import { sameTowerMarkdown } from "../../lib/report/same_tower_table.ts";
import { runRecord } from "./run_record.ts";
import { omniglotRow } from "./rows.ts";

const row = omniglotRow;

const config = resolveConfig("standard");
const tower = { ...config.triplet.tower, dense: 128, denseActivation: "sigmoid" };
const ok = (details: Record<string, unknown>) => ({
  status: "ok" as const,
  seconds: 1,
  backend: "wasm",
  details,
});
const run = (experiments: RunRecord["experiments"]) => ({ config, experiments });

const sameRows = [
  row("same-tower", SAME_TOWER_METHOD, "lake-runs", 88.5),
  row("same-tower", SAME_TOWER_METHOD, "koch-400", 77.5),
  { ...row("same-tower", SAME_TOWER_METHOD, "n-way", 99), ways: 2 },
];
const tripletRows = [
  row("triplet", "triplet-batch-hard", "lake-runs", 93.25),
  row("triplet", "triplet-batch-hard", "koch-400", 82.5),
  row("triplet", "triplet-semi-hard", "lake-runs", 90),
  row("triplet", "triplet-semi-hard", "koch-400", 80),
];
const sameDetails = ok({ tower, steps: 5500, bestValidationAccuracy: 80.3125 });
const tripletDetails = ok({
  loss: "margin",
  margin: 0.2,
  embeddingDim: 128,
  models: {
    "triplet-batch-hard": { steps: 5500, bestValidation: 82.8125 },
    "triplet-semi-hard": { steps: 4000, bestValidation: 78.125 },
  },
});

/** The table's header and body rows, split into cells (the separator line left out). */
const cells = (lines: string[]) =>
  lines.join("\n").split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))
    .map((l) => l.slice(2, -2).split(" | "));

Deno.test("the same-tower table puts the Siamese net on the triplet tower beside each miner", () => {
  const lines = sameTowerMarkdown(
    [...sameRows, ...tripletRows, row("baseline", "1-nn-l2", "lake-runs", 21)],
    run({ "same-tower": sameDetails, triplet: tripletDetails }),
  );
  assert.match(lines[0], /^## Same tower/);
  assert.match(lines.join("\n"), /the loss is what differs/);
  const [header, ...body] = cells(lines);
  assert.deepEqual(header, [
    "method",
    "loss",
    "tower",
    "head",
    "steps trained",
    "validation (%)",
    "lake-runs",
    "koch-400",
  ]);
  assert.deepEqual(body.map((r) => r[0]), [
    SAME_TOWER_METHOD,
    "triplet-batch-hard",
    "triplet-semi-hard",
  ]);
  const [same, hard, semi] = body;
  // One tower for both losses: the same convolutions and width in every row.
  assert.equal(same[2], "triplet-35: conv 32-64-64-128, dense 128");
  assert.equal(hard[2], same[2]);
  assert.equal(semi[2], same[2]);
  assert.deepEqual(same.slice(4), ["5500", "80.3", "88.50 [84.5, 92.5]", "77.50 [73.5, 81.5]"]);
  assert.deepEqual(hard.slice(4), ["5500", "82.8", "93.25 [89.3, 97.3]", "82.50 [78.5, 86.5]"]);
  assert.deepEqual(semi.slice(4), ["4000", "78.1", "90.00 [86.0, 94.0]", "80.00 [76.0, 84.0]"]);
  assert.match(hard[1], /triplet margin \(alpha 0.2\), batch-hard/);
});

Deno.test("the Siamese experiment's own-tower row follows as a reference when it ran", () => {
  const lines = sameTowerMarkdown(
    [
      ...sameRows,
      ...tripletRows,
      row("siamese", SIAMESE_METHOD, "lake-runs", 87.5),
      row("siamese", SIAMESE_METHOD, "koch-400", 75.5),
    ],
    run({
      "same-tower": sameDetails,
      triplet: tripletDetails,
      siamese: ok({ steps: 4750, bestValidationAccuracy: 80 }),
    }),
  );
  const body = cells(lines).slice(1);
  assert.equal(body.length, 4);
  const own = body[3];
  assert.equal(own[0], `${SIAMESE_METHOD} (reference: its own tower)`);
  assert.equal(own[2], "standard: conv 32-64-64, batch norm, dense 128");
  assert.deepEqual(own.slice(4), ["4750", "80.0", "87.50 [83.5, 91.5]", "75.50 [71.5, 79.5]"]);
});

Deno.test("the head column and the text follow the head the same-tower net trained with", () => {
  const table = (details: Record<string, unknown>) =>
    sameTowerMarkdown(
      [...sameRows, ...tripletRows],
      run({
        "same-tower": ok(details),
        triplet: tripletDetails,
      }),
    );
  const cosine = table({ tower, head: "cosine", steps: 5500, bestValidationAccuracy: 80 });
  const [, same, hard] = cells(cosine);
  assert.match(same[3], /weighted squared L2/);
  assert.match(hard[3], /L2 normalisation/);
  assert.match(cosine.join("\n"), /the triplet's geometry/);
  // A run from before the head was recorded trained the paper's head.
  const old = table({ tower, steps: 5500, bestValidationAccuracy: 80 });
  assert.equal(cells(old)[1][3], "sigmoid features, weighted L1 + sigmoid");
  assert.doesNotMatch(old.join("\n"), /the triplet's geometry/);
});

Deno.test("the loss column and the text say which pairs carried the same-tower net's cross-entropy", () => {
  const table = (details: Record<string, unknown>) =>
    sameTowerMarkdown(
      [...sameRows, ...tripletRows],
      run({ "same-tower": ok(details), triplet: tripletDetails }),
    );
  const base = { tower, head: "cosine", steps: 5500, bestValidationAccuracy: 80 };
  const hardest = table({ ...base, pairMining: "hardest" });
  assert.equal(
    cells(hardest)[1][1],
    "binary cross-entropy (focal), each image's hardest positive and negative pair",
  );
  assert.match(
    hardest.join("\n"),
    /hardest positive and negative pair, the pairs batch-hard mines/,
  );
  // Every pair, and runs from before the weighting was recorded, which weighed every pair.
  for (const details of [{ ...base, pairMining: "all" }, base]) {
    const lines = table(details);
    assert.equal(cells(lines)[1][1], "binary cross-entropy (focal), all pairs");
    assert.doesNotMatch(lines.join("\n"), /hardest/);
  }
});

Deno.test("without the triplet experiment the same-tower table shows the Siamese row alone", () => {
  const body = cells(sameTowerMarkdown(sameRows, run({ "same-tower": sameDetails })));
  assert.equal(body.length, 2); // header + one row
  assert.equal(body[1][0], SAME_TOWER_METHOD);
  assert.equal(body[1][6], "88.50 [84.5, 92.5]");
});

Deno.test("report.md has the same-tower section only when the experiment has rows", () => {
  const record = (experiments: RunRecord["experiments"]) => runRecord(config, experiments);
  const without = reportMarkdown({
    oneShot: tripletRows,
    verification: [],
    run: record({ triplet: tripletDetails }),
    figures: [],
  });
  assert.doesNotMatch(without, /Same tower/);
  assert.deepEqual(sameTowerMarkdown(tripletRows, run({ triplet: tripletDetails })), []);
  const withIt = reportMarkdown({
    oneShot: [...tripletRows, ...sameRows],
    verification: [],
    run: record({ triplet: tripletDetails, "same-tower": sameDetails }),
    figures: [],
  });
  assert.match(withIt, /## Same tower[^\n]*\n\n[^\n]*\n\n\| method \| loss \|/);
  assert.ok(withIt.indexOf("## Same tower") > withIt.indexOf("paper Table 2"));
});
