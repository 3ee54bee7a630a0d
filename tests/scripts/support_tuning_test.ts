import assert from "node:assert/strict";
import { parseSupportTuningArgs } from "../../scripts/support_tuning.ts";
import { runTask, tempDir } from "../helpers.ts";

Deno.test("support-tuning: koch-val and the net's own settings unless told otherwise", () => {
  const args = parseSupportTuningArgs(["--layers", "2", "--protocols", "koch-val,lake-runs"]);
  assert.deepEqual(
    { ...args, results: undefined },
    {
      results: undefined,
      miner: "batch-hard",
      steps: 20,
      copies: 4,
      rate: 1e-4,
      margin: undefined,
      layers: 2,
      protocols: ["koch-val", "lake-runs"],
      threads: undefined,
      help: false,
    },
  );
  assert.match(args.results, /results\/standard$/);
});

Deno.test("support-tuning: a bad flag, or a folder that is not a results folder, exits 2 naming it", async () => {
  const empty = tempDir("support-tuning-");
  try {
    for (
      const [args, message] of [
        [["--miner", "hardest"], /unknown miner "hardest" for --miner/],
        [["--protocols", "koch-val,mnist-400"], /unknown protocol "mnist-400" for --protocols/],
        [["--copies", "1"], /--copies must be an integer >= 2, got 1/],
        [["--steps=-1"], /--steps must be an integer >= 0, got -1/],
        [["--rate", "0"], /--rate must be a positive number, got 0/],
        [["--layers", "0"], /--layers must be an integer >= 1, got 0/],
        [["--results", empty], /--results .* has no readable run\.json/],
      ] as const
    ) {
      const r = await runTask("support-tuning", [...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  } finally {
    Deno.removeSync(empty, { recursive: true });
  }
});

Deno.test("support-tuning: a results folder without the miner's model exits 1 before any scoring", async () => {
  const folder = tempDir("support-tuning-");
  try {
    const run = { profile: "quick", seed: 1, config: { evaluation: { imageSize: 35 } } };
    Deno.writeTextFileSync(`${folder}/run.json`, JSON.stringify(run));
    const r = await runTask("support-tuning", ["--results", folder, "--miner", "semi-hard"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no saved semi-hard model in .*models\/triplet-semi-hard\//);
    assert.equal(r.stdout, "");
  } finally {
    Deno.removeSync(folder, { recursive: true });
  }
});
