import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { resultsDir } from "../../lib/data/paths.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import { Rng } from "../../lib/rng.ts";

Deno.test("an experiment's stream is root/<name> of the run seed, as reproduce draws it", () => {
  const config = resolveConfig("quick", { seed: 7 });
  const context = experimentContext(config, "siamese");
  assert.equal(context.rng.name, "root/siamese");
  const expected = new Rng(7).fork("siamese");
  assert.deepEqual(
    Array.from({ length: 4 }, () => context.rng.next()),
    Array.from({ length: 4 }, () => expected.next()),
  );
  // The copy one test carried, a root named "siamese", is another stream.
  assert.notEqual(new Rng(7, "siamese").next(), new Rng(7).fork("siamese").next());
});

Deno.test("the context defaults to the profile's results folder and its own data, and keeps what is passed", () => {
  const config = resolveConfig("quick");
  const fresh = experimentContext(config, "baseline");
  assert.equal(fresh.outDir, resultsDir("quick"));
  assert.equal(fresh.backend, "none");
  assert.equal(fresh.data.evaluation, config.evaluation);
  const data = new DataSource({ evaluation: config.evaluation, seed: config.seed });
  const lines: string[] = [];
  const given = experimentContext(config, "mnist", {
    data,
    outDir: "/tmp/x",
    backend: "wasm",
    log: (l) => lines.push(l),
  });
  assert.equal(given.data, data);
  assert.equal(given.outDir, "/tmp/x");
  assert.equal(given.backend, "wasm");
  given.log("hello");
  assert.deepEqual(lines, ["hello"]);
});
