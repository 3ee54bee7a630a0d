import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import {
  imagesSetting,
  siameseSettingsTable,
  tripletSettingsTable,
} from "../../lib/report/settings_tables.ts";
import { runRecord } from "./run_record.ts";

Deno.test("report.md and the settings tables say when the images are cut to ink boxes", () => {
  const boxed = resolveConfig("standard");
  boxed.evaluation.inkBox = 0.8;
  const plain = resolveConfig("standard");
  plain.evaluation.inkBox = undefined;
  const md = (config: ReturnType<typeof resolveConfig>) =>
    reportMarkdown({ oneShot: [], verification: [], run: runRecord(config), figures: [] });
  assert.match(md(boxed), /Images: Omniglot cut to ink boxes .* takes 0\.8 of the side/);
  assert.match(md(boxed), /The 1-NN rows read the images as released/);
  assert.doesNotMatch(md(plain), /ink box/);
  assert.deepEqual(imagesSetting(boxed), {
    setting: "images",
    value: "35x35, each cut to the square its ink's bounding box takes 0.8 of",
  });
  assert.deepEqual(imagesSetting(plain), { setting: "images", value: "35x35, as released" });
  assert.deepEqual(siameseSettingsTable(boxed)[0], imagesSetting(boxed));
  assert.deepEqual(tripletSettingsTable(boxed)[0], imagesSetting(boxed));
});
