import assert from "node:assert/strict";
import { readOneShot, writeRows } from "../../lib/report/results.ts";
import type { OneShotRow } from "../../lib/report/tables.ts";
import { tempDir } from "../helpers.ts";
import { omniglotRow } from "./rows.ts";

const r = (experiment: string, accuracy: number): OneShotRow =>
  omniglotRow(experiment, "m", "lake-runs", accuracy, { paper_accuracy: 92 });

Deno.test("rows of experiments that ran replace theirs; others are kept", async () => {
  const dir = tempDir();
  await writeRows(dir, ["baseline", "siamese"], {
    oneShot: [r("baseline", 20), r("siamese", 80)],
    verification: [],
  });
  await writeRows(dir, ["siamese"], { oneShot: [r("siamese", 85)], verification: [] });
  const rows = await readOneShot(dir);
  assert.deepEqual(rows.map((x) => [x.experiment, x.accuracy]), [["baseline", 20], [
    "siamese",
    85,
  ]]);
  assert.equal(rows[1].paper_accuracy, 92);
  // No temp files are left behind.
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, ["one_shot.csv", "verification.csv"]);
  Deno.removeSync(dir, { recursive: true });
});
