import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { reportMarkdown } from "../../lib/report/report_md.ts";
import { runRecord } from "../report/run_record.ts";
import {
  applySlice,
  checkChunking,
  describeSlice,
  parseSliceFlags,
  SLICE_VALIDATION_TRIALS,
} from "../../lib/training/run_slice.ts";
import { parseReproduceArgs } from "../../scripts/reproduce.ts";
import { tempDir } from "../helpers.ts";

Deno.test("slice flags must be positive integers (steps, chunk) or a positive number (minutes)", () => {
  assert.deepEqual(parseSliceFlags({ "max-steps": "5", "max-minutes": "2.5", chunk: "16" }), {
    maxSteps: 5,
    maxMinutes: 2.5,
    chunkImages: 16,
  });
  for (
    const [flag, value] of [
      ["max-steps", "0"],
      ["max-steps", "1.5"],
      ["max-steps", "ten"],
      ["max-steps", ""],
      ["chunk", "-4"],
      ["max-minutes", "0"],
      ["max-minutes", "-1"],
      ["max-minutes", "soon"],
      ["max-minutes", "Infinity"],
    ]
  ) {
    assert.throws(
      () => parseSliceFlags({ [flag]: value }),
      (err: Error) => err instanceof UsageError && err.message.includes(`--${flag}`),
      `${flag}=${value}`,
    );
  }
  assert.throws(() => parseReproduceArgs(["--max-minutes", "x"]), /--max-minutes/);
  assert.equal(parseReproduceArgs(["--max-steps", "3"]).slice.maxSteps, 3);
});

Deno.test("no slice flags leave the profile's config as it was", () => {
  for (const profile of ["quick", "standard", "paper"]) {
    const config = resolveConfig(profile);
    applySlice(config, {}, "wasm");
    assert.deepEqual(config, resolveConfig(profile));
    assert.equal(config.slice, undefined);
  }
  // The standard and quick profiles never chunk by default; the paper's does.
  assert.equal(resolveConfig("quick").siamese.chunkImages, undefined);
  assert.equal(resolveConfig("standard").triplet.chunkImages, undefined);
  assert.equal(resolveConfig("paper").siamese.chunkImages, 16);
});

Deno.test("a slice caps every model's steps and minutes and sets the chunk size", () => {
  const config = resolveConfig("paper");
  applySlice(config, { maxSteps: 7, maxMinutes: 10, chunkImages: 8 }, "tensorflow-gpu");
  assert.equal(config.siamese.steps, 7);
  assert.equal(config.siamese.maxSeconds, 600);
  assert.equal(config.siamese.table1.steps, 7);
  assert.equal(config.siamese.table1.maxSeconds, 600);
  assert.equal(config.triplet.steps, 7);
  assert.equal(config.triplet.maxSeconds, 600);
  assert.equal(config.siamese.chunkImages, 8);
  assert.equal(config.triplet.chunkImages, 8);
  // On a GPU the evaluation stays whole.
  assert.equal(config.slice!.evaluation, "full");
  assert.equal(config.siamese.validationTrialsPerAlphabet, undefined);
  // A cap above the profile's own bound changes nothing.
  const quick = resolveConfig("quick");
  applySlice(quick, { maxSteps: 10_000 }, "wasm");
  assert.equal(quick.siamese.steps, 600);
  assert.equal(quick.slice!.evaluation, "full");
});

Deno.test("a 105x105 slice on a CPU backend evaluates one-shot only and says what it skipped", () => {
  const config = resolveConfig("paper");
  applySlice(config, { maxMinutes: 10 }, "wasm");
  assert.equal(config.slice!.evaluation, "one-shot");
  assert.equal(config.siamese.validationTrialsPerAlphabet, SLICE_VALIDATION_TRIALS);
  assert.equal(config.triplet.validationTrialsPerAlphabet, SLICE_VALIDATION_TRIALS);
  assert.ok(config.slice!.skipped.some((s) => /N-way curve/.test(s)));
  for (const part of ["validation on 20 tasks", "verification", "gallery check", "N-way curve"]) {
    assert.ok(
      config.slice!.skipped.some((s) => s.startsWith("triplet: ") && s.includes(part)),
      `triplet: ${part}`,
    );
  }
  assert.ok(config.slice!.skipped.some((s) => /Table 1 fixed-pool/.test(s)));
  assert.match(describeSlice(config.slice!), /at most 10 min of training per model/);

  const run = runRecord(config);
  const md = reportMarkdown({ oneShot: [], verification: [], run, figures: [] });
  assert.match(md, /## Bounded slice/);
  assert.match(md, /lake-runs and koch-400 only/);
  assert.match(md, /- siamese: the N-way curve/);
  // Without a slice, no such section.
  const full = reportMarkdown({
    oneShot: [],
    verification: [],
    run: { ...run, config: resolveConfig("paper") },
    figures: [],
  });
  assert.doesNotMatch(full, /Bounded slice/);
});

Deno.test("a bad --max-steps exits 2 before any work, writing nothing", async () => {
  const out = `${tempDir()}/res`;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "scripts/reproduce.ts",
      "--profile",
      "quick",
      "--max-steps",
      "0",
      "--out",
      out,
    ],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 2);
  assert.match(new TextDecoder().decode(r.stderr), /--max-steps must be a positive integer/);
  assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
});

Deno.test("--chunk is refused for a tower with convolutional batch norm, naming the flag and why", () => {
  const standard = resolveConfig("standard");
  const quick = resolveConfig("quick");
  const all = ["baseline", "siamese", "triplet", "mnist"] as const;
  const refused = (config: typeof standard, only: readonly (typeof all)[number][]) => {
    try {
      checkChunking(config, only, { chunkImages: 8 });
    } catch (err) {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /^--chunk 8 /);
      assert.match(err.message, /per-chunk batch-norm statistics/);
      return err.message;
    }
    return undefined;
  };
  // Standard: the Siamese tower has batch norm after each convolution, the triplet tower none.
  assert.match(refused(standard, all)!, /siamese tower \("standard"\)/);
  assert.doesNotMatch(refused(standard, all)!, /triplet tower/);
  assert.match(refused(standard, all)!, /--only baseline,triplet,mnist/);
  assert.equal(refused(standard, ["triplet"]), undefined);
  assert.equal(refused(standard, ["baseline", "mnist"]), undefined);
  // Quick: both towers have it, so --only triplet is refused too.
  assert.match(refused(quick, ["triplet"])!, /triplet tower \("quick"\)/);
  assert.match(refused(quick, all)!, /siamese tower .* and triplet tower/);
  // The paper's towers have none (the profile chunks by default); no --chunk, nothing to refuse.
  assert.equal(refused(resolveConfig("paper"), all), undefined);
  checkChunking(standard, all, {});
  // The command line refuses it while parsing, before any folder, backend or data is touched.
  assert.throws(
    () => parseReproduceArgs(["--profile", "standard", "--chunk", "8"]),
    (err: Error) => err instanceof UsageError && /--chunk 8/.test(err.message),
  );
  assert.equal(
    parseReproduceArgs(["--profile", "standard", "--only", "triplet", "--chunk", "8"]).slice
      .chunkImages,
    8,
  );
});
