import assert from "node:assert/strict";
import { DataError } from "../../lib/data/errors.ts";
import { locateRuns } from "../../lib/episodes/run_sources.ts";
import { FIXTURE_SOURCES, fixtureRuns, fixtureSplit } from "./run_fixture.ts";

Deno.test("locateRuns recovers each run's characters, drawers and alphabet from its pixels", () => {
  const split = fixtureSplit();
  assert.deepEqual(locateRuns(fixtureRuns(split), split), FIXTURE_SOURCES);
});

Deno.test("locateRuns refuses a run image that is not in the split", () => {
  const split = fixtureSplit();
  const runs = fixtureRuns(split);
  runs[1].test.pixels[2 * 16 + 5] = 1; // query 3 of run02 no longer matches any image
  assert.throws(() => locateRuns(runs, split), (e) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /run02\/test\/item03\.png matches 0 images/);
    return true;
  });
});

Deno.test("locateRuns refuses an image the split holds twice", () => {
  const split = fixtureSplit();
  const runs = fixtureRuns(split);
  // Make character 3, drawer 9 a copy of run01's first support image (character 0, drawer 4).
  split.images.pixels.copyWithin((3 * 20 + 9) * 16, 4 * 16, 5 * 16);
  assert.throws(() => locateRuns(runs, split), /class01\.png matches 2 images/);
});

Deno.test("locateRuns refuses a query that is not a drawing of its answer's character", () => {
  const split = fixtureSplit();
  const runs = fixtureRuns(split);
  runs[0].answers = [0, 0, 1];
  assert.throws(() => locateRuns(runs, split), /run01: test item 1 is not a drawing/);
});
