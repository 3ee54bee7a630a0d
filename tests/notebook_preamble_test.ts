import assert from "node:assert/strict";
import { resultsDir } from "../lib/data/paths.ts";
import { notebookPreamble } from "../lib/notebook_preamble.ts";

const VARS = ["NOTEBOOK_PROFILE", "NOTEBOOK_RESULTS", "NOTEBOOK_OUT"];

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = VARS.map((v) => [v, Deno.env.get(v)] as const);
  for (const v of VARS) Deno.env.delete(v);
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

Deno.test("the preamble reads the profile and folders from the environment, quick by default", async () => {
  const plain = await withEnv({}, () => notebookPreamble());
  assert.equal(plain.profile, "quick");
  assert.equal(plain.config.profile, "quick");
  assert.equal(plain.outDir, resultsDir("quick"));
  assert.equal(plain.figuresDir, `${resultsDir("quick")}/notebooks/figures`);
  assert.equal(plain.backend, undefined);

  const set = await withEnv(
    { NOTEBOOK_PROFILE: "standard", NOTEBOOK_RESULTS: "/tmp/r", NOTEBOOK_OUT: "/tmp/o" },
    () => notebookPreamble(),
  );
  assert.equal(set.config.profile, "standard");
  assert.equal(set.outDir, "/tmp/r");
  assert.equal(set.figuresDir, "/tmp/o/figures");
  const context = set.context("triplet");
  assert.equal(context.outDir, "/tmp/r");
  assert.equal(context.rng.name, "root/triplet");
  assert.equal(context.data, set.data);
});
