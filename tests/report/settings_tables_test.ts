import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import type { TableRow } from "../../lib/report/display.ts";
import { siameseSettingsTable, tripletSettingsTable } from "../../lib/report/settings_tables.ts";

const row = (rows: TableRow[], setting: string) => rows.find((r) => r.setting === setting)?.value;

Deno.test("the settings tables name the rate's decay, or the cosine when a study sets it", () => {
  const config = resolveConfig("standard");
  assert.equal(
    row(tripletSettingsTable(config), "learning rate"),
    "0.003, decay 0.9 per 250 steps",
  );
  assert.match(
    String(row(siameseSettingsTable(config), "optimizer")),
    /^adam, learning rate 0\.005, decay 0\.95 per 250 steps$/,
  );
  config.triplet.lrSchedule = "cosine";
  config.siamese.lrSchedule = "cosine";
  assert.equal(
    row(tripletSettingsTable(config), "learning rate"),
    "0.003, cosine to 0 over 5500 steps",
  );
  assert.equal(
    row(siameseSettingsTable(config), "optimizer"),
    "adam, learning rate 0.005, cosine to 0 over 4750 steps",
  );
});
