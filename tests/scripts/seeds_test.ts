import assert from "node:assert/strict";
import { parseSeeds, parseSeedsArgs, seedDir, seedRunComplete } from "../../scripts/seeds.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { runIdentity } from "../../lib/report/run_identity.ts";
import { readOneShot, readVerification, type RunRecord } from "../../lib/report/results.ts";
import {
  ONE_SHOT_COLUMNS,
  type OneShotRow,
  parseCsv,
  toCsv,
  VERIFICATION_COLUMNS,
  type VerificationRow,
} from "../../lib/report/tables.ts";
import { NO_OMNIGLOT, runTask, taskPermissions, tempDir } from "../helpers.ts";
import { runRecord } from "../report/run_record.ts";
import { omniglotRow } from "../report/rows.ts";

/** `deno task seeds` with the task's permissions; an empty OMNIGLOT_DIR so nothing can train. */
function seeds(args: string[]) {
  return runTask("seeds", args, { SIAMESE_QUIET: "1", OMNIGLOT_DIR: tempDir() });
}

Deno.test("--seeds: seeds as reproduce takes them (0 included), two or more, no repeats; errors name the flag", () => {
  assert.deepEqual(parseSeeds("3,1,2"), [3, 1, 2]);
  assert.deepEqual(parseSeeds(" 1, 2 "), [1, 2]);
  assert.deepEqual(parseSeeds("0,1"), [0, 1]);
  for (
    const [text, message] of [
      ["1,1", /--seeds "1,1" names seed 1 twice/],
      ["x", /--seeds "x": "x" is not a whole number from 0 to 9007199254740991/],
      ["1,x", /"x" is not a whole number from 0 to 9007199254740991/],
      ["1,-2", /"-2" is not a whole number from 0 to 9007199254740991/],
      ["1,1e3", /"1e3" is not a whole number from 0 to 9007199254740991/],
      ["1,", /"" is not a whole number from 0 to 9007199254740991/],
      ["5", /--seeds "5" names one seed; a spread needs two or more/],
    ] as const
  ) {
    assert.throws(
      () => parseSeeds(text),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
  const args = parseSeedsArgs([]);
  assert.equal(args.profile, "standard");
  assert.deepEqual(args.seeds, [1, 2, 3]);
  assert.throws(
    () => parseSeedsArgs(["--profile", "huge"]),
    /unknown profile "huge" for --profile/,
  );
  assert.throws(() => parseSeedsArgs(["--threads", "0"]), /--threads/);
  assert.throws(() => parseSeedsArgs(["--max-steps", "0"]), /--max-steps/);
  assert.throws(() => parseSeedsArgs(["--seed", "1"]), (e) => e instanceof UsageError);
  assert.equal(parseSeedsArgs(["--max-steps", "5"]).slice.maxSteps, 5);
});

Deno.test("bad flags exit 2 naming the flag, before any work, writing nothing", async () => {
  const out = `${tempDir()}/seeds`;
  for (
    const [args, message] of [
      [["--seeds", "1,1"], /--seeds "1,1" names seed 1 twice/],
      [["--seeds", "x"], /--seeds "x"/],
      [["--seeds", "4"], /names one seed/],
      [["--profile", "huge"], /unknown profile "huge" for --profile/],
      [["--bogus"], /bogus/],
    ] as const
  ) {
    const r = await seeds([...args, "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
  assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
  // Outside the task's write permission (data, results, /tmp).
  const r = await seeds(["--profile", "quick", "--seeds", "1,2", "--out", "/var/s19-seeds-no"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--out \/var\/s19-seeds-no is outside the folders this task may write/);
  // A file where the folder goes.
  const file = `${tempDir()}/file`;
  Deno.writeTextFileSync(file, "");
  const f = await seeds(["--profile", "quick", "--seeds", "1,2", "--out", file]);
  assert.equal(f.code, 2, f.stderr);
  assert.match(f.stderr, /--out .*is a file, not a folder/);
});

/** A results folder of a complete seed run, as reproduce leaves it, with the given accuracies. */
function writeSeedRun(
  dir: string,
  seed: number,
  options: { status?: RunRecord["status"]; lake: number; verification: number },
) {
  const config = resolveConfig("quick", { seed, miners: ["batch-hard"] });
  const identity = runIdentity(config);
  Deno.mkdirSync(dir, { recursive: true });
  const ok = { status: "ok", seconds: 1, backend: "wasm" } as const;
  const record = {
    ...runRecord(config, { siamese: ok, triplet: ok }),
    ...identity,
    status: options.status ?? "complete",
  };
  Deno.writeTextFileSync(`${dir}/run.json`, JSON.stringify(record));
  const row = (method: string, protocol: string, accuracy: number): OneShotRow =>
    omniglotRow(method.split("-")[0], method, protocol, accuracy, { ci_low: 0, ci_high: 100 });
  Deno.writeTextFileSync(
    `${dir}/one_shot.csv`,
    toCsv(ONE_SHOT_COLUMNS, [
      row("siamese-bce", "lake-runs", options.lake),
      row("siamese-bce", "koch-400", 40),
      row("triplet-batch-hard", "lake-runs", options.lake - 10),
      row("triplet-batch-hard", "koch-400", 30),
    ]),
  );
  const ver: VerificationRow = {
    experiment: "siamese",
    method: "siamese-bce",
    train_pairs: 1,
    distortions: true,
    test_pairs: 1000,
    accuracy: options.verification,
    threshold: 0,
  };
  Deno.writeTextFileSync(`${dir}/verification.csv`, toCsv(VERIFICATION_COLUMNS, [ver]));
}

Deno.test("complete seed folders are reused and aggregated; an unfinished one runs again", async () => {
  const out = `${tempDir()}/seeds`;
  writeSeedRun(seedDir(out, 1), 1, { lake: 60, verification: 80 });
  writeSeedRun(seedDir(out, 3), 3, { status: "running", lake: 70, verification: 84 });
  // Seed 3's run was interrupted: it is run again, and with no data here it stops at once.
  const partial = await seeds(["--profile", "quick", "--seeds", "1,3", "--out", out]);
  assert.equal(partial.code, 2, partial.stderr);
  assert.match(partial.stderr, /seed-1 holds this seed's complete run: reused/);
  assert.match(partial.stderr, /\[seed 3, 2\/2\] reproduce ->/);
  assert.match(partial.stderr, /OMNIGLOT_DIR/);
  assert.throws(() => Deno.statSync(`${out}/seeds.csv`), Deno.errors.NotFound);

  writeSeedRun(seedDir(out, 3), 3, { lake: 70, verification: 84 });
  // An earlier command's ensembles: these folders saved no model, so none are these seeds'.
  Deno.writeTextFileSync(`${out}/seed_ensembles.csv`, "experiment,method\nseed-ensemble,old\n");
  const r = await seeds(["--profile", "quick", "--seeds", "1,3", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.throws(() => Deno.statSync(`${out}/seed_ensembles.csv`), Deno.errors.NotFound);
  assert.match(r.stderr, /No ensembles over seeds: some seed's folder saved no model/);
  assert.match(r.stderr, /wrote .*seeds\.md, seeds\.csv \(/);
  assert.match(
    Deno.readTextFileSync(`${out}/seeds.md`),
    /No ensembles over seeds: some seed's folder saved no model/,
  );
  assert.match(r.stderr, /seed-3 holds this seed's complete run: reused/);
  const rows = parseCsv(Deno.readTextFileSync(`${out}/seeds.csv`));
  const get = (model: string, protocol: string) =>
    rows.find((x) => x.model === model && x.protocol === protocol)!;
  // 60 and 70: mean 65, sample sd sqrt(50) = 7.07.
  assert.deepEqual(
    [get("siamese", "lake-runs").mean, get("siamese", "lake-runs").sd],
    ["65.00", "7.07"],
  );
  assert.deepEqual(
    [get("triplet-batch-hard", "lake-runs").seed_1, get("triplet-batch-hard", "lake-runs").seed_3],
    ["50.00", "60.00"],
  );
  assert.equal(get("siamese", "verification").mean, "82.00");
  assert.equal(get("siamese", "koch-400").sd, "0.00");
  assert.match(
    Deno.readTextFileSync(`${out}/seeds.md`),
    /\| siamese \| lake-runs \| 60\.00 \| 70\.00 \| 65\.00 \| 7\.07 \|/,
  );
  assert.match(
    r.stdout,
    /\| triplet-batch-hard \| koch-400 \| 30\.00 \| 30\.00 \| 30\.00 \| 0\.00 \|/,
  );

  // A bounded slice is another run than the folder's full one: not reused.
  const sliced = await seeds([
    "--profile",
    "quick",
    "--seeds",
    "1,3",
    "--out",
    out,
    "--max-steps",
    "5",
  ]);
  assert.equal(sliced.code, 2, sliced.stderr);
  assert.match(sliced.stderr, /\[seed 1, 1\/2\] reproduce ->/);
});

Deno.test("a seed folder holding another run exits 2 before any seed runs", async () => {
  const out = `${tempDir()}/seeds`;
  // Seed 2's folder holds seed 5's run; seed 1, first in line, must not have started.
  writeSeedRun(seedDir(out, 2), 5, { lake: 60, verification: 80 });
  const r = await seeds(["--profile", "quick", "--seeds", "1,2", "--out", out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--out .*seed-2 holds another run \(profile quick, seed 5/);
  assert.throws(() => Deno.statSync(seedDir(out, 1)), Deno.errors.NotFound);
});

Deno.test("seedRunComplete: complete, both experiments ok, the same slice", () => {
  const ok = { status: "ok" as const, seconds: 1, backend: "wasm" };
  const base = {
    status: "complete",
    experiments: { siamese: ok, triplet: ok },
    config: { slice: { maxSteps: 5 } },
  } as unknown as RunRecord;
  assert.equal(seedRunComplete(base, { maxSteps: 5 }), true);
  assert.equal(seedRunComplete(base, {}), false);
  assert.equal(seedRunComplete(base, { maxSteps: 6 }), false);
  assert.equal(seedRunComplete({ ...base, status: "writing" }, { maxSteps: 5 }), false);
  assert.equal(
    seedRunComplete(
      { ...base, experiments: { siamese: ok, triplet: { ...ok, status: "failed" } } },
      {
        maxSteps: 5,
      },
    ),
    false,
  );
  assert.equal(seedRunComplete(undefined, {}), false);
});

Deno.test("the seeds task has exactly reproduce's permissions (it runs reproduce in-process)", () => {
  assert.deepEqual(taskPermissions("seeds"), taskPermissions("reproduce"));
});

Deno.test({
  name:
    "seeds --profile quick --seeds 1,2 --max-steps 5: one reproduce run per seed, the spread of their rows, then a resume",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const out = `${tempDir()}/seeds`;
    const args = ["--profile", "quick", "--seeds", "1,2", "--max-steps", "5", "--threads", "1"];
    // No PNG renders: Chromium takes a minute here and is not what this test is about.
    const env = { SIAMESE_QUIET: "1", CHROMIUM: "/nonexistent/chromium" };
    const r = await runTask("seeds", [...args, "--out", out], env);
    assert.equal(r.code, 0, r.stderr);
    const csv = parseCsv(Deno.readTextFileSync(`${out}/seeds.csv`));
    assert.deepEqual(csv.map((x) => `${x.model}/${x.protocol}`), [
      "siamese/lake-runs",
      "siamese/koch-400",
      "siamese/koch-val",
      "siamese/verification",
      "triplet-batch-hard/lake-runs",
      "triplet-batch-hard/koch-400",
      "triplet-batch-hard/koch-val",
      "triplet-batch-hard/verification",
    ]);
    for (const seed of [1, 2]) {
      const dir = seedDir(out, seed);
      const run = JSON.parse(Deno.readTextFileSync(`${dir}/run.json`));
      assert.equal(run.status, "complete");
      assert.equal(run.seed, seed);
      assert.deepEqual(run.config.triplet.miners, ["batch-hard"]);
      assert.equal(run.config.slice.maxSteps, 5);
      assert.deepEqual(Object.keys(run.experiments).sort(), ["siamese", "triplet"]);
      assert.deepEqual([...Deno.readDirSync(`${dir}/models`)].map((e) => e.name).sort(), [
        "siamese",
        "triplet-batch-hard",
      ]);
      // The spread is of the seed folder's own rows.
      const oneShot = await readOneShot(dir);
      const verification = await readVerification(dir);
      for (const row of csv) {
        const want = row.protocol === "verification"
          ? verification.find((v) => v.method === row.method)!.accuracy
          : oneShot.find((o) => o.method === row.method && o.protocol === row.protocol)!.accuracy;
        assert.equal(
          Number(row[`seed_${seed}`]),
          want,
          `${row.method} ${row.protocol} seed ${seed}`,
        );
      }
    }
    // Seeds 1 and 2 trained different nets: their scores are not all equal.
    assert.ok(csv.some((x) => x.seed_1 !== x.seed_2), JSON.stringify(csv));
    assert.match(r.stdout, /\| siamese \| lake-runs \|/);

    // The seeds' nets together, on seed 1's trials: each member's row on lake-runs (the same
    // trials for every seed) is its own run's, and on koch-400 seed 1's is seed 1's own.
    const ensembles = parseCsv(Deno.readTextFileSync(`${out}/seed_ensembles.csv`));
    const accuracy = (method: string, protocol: string) =>
      Number(ensembles.find((x) => x.method === method && x.protocol === protocol)?.accuracy);
    for (const method of ["siamese-bce", "triplet-batch-hard"]) {
      assert.deepEqual(
        ensembles.filter((x) => x.protocol === "koch-400" && x.method.startsWith(method))
          .map((x) => x.method),
        [
          `${method}, seed 1`,
          `${method}, seed 2`,
          `${method}, seeds 1+2`,
          `${method}, seeds 1+2 + views`,
        ],
      );
      for (const seed of [1, 2]) {
        const own = await readOneShot(seedDir(out, seed));
        const want = (protocol: string) =>
          own.find((o) => o.method === method && o.protocol === protocol)!.accuracy;
        assert.equal(accuracy(`${method}, seed ${seed}`, "lake-runs"), want("lake-runs"));
        if (seed === 1) {
          assert.equal(accuracy(`${method}, seed 1`, "koch-400"), want("koch-400"));
        }
      }
    }
    assert.deepEqual(
      [...new Set(ensembles.map((x) => x.protocol))],
      ["lake-runs", "koch-400", "koch-val", "mnist-400"],
    );
    assert.match(Deno.readTextFileSync(`${out}/seeds.md`), /## The seeds' nets together/);
    assert.match(r.stderr, /wrote .*seeds\.md, seeds\.csv, seed_ensembles\.csv \(/);
    assert.match(r.stdout, /\| triplet-batch-hard, seeds 1\+2 \+ views \| \d+\.\d\d \[/);

    // The same command again reuses both complete seeds: nothing trains, the same table.
    const again = await runTask("seeds", [...args, "--out", out], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((again.stderr.match(/complete run: reused/g) ?? []).length, 2, again.stderr);
    assert.doesNotMatch(again.stderr, /reproduce ->/);
    assert.equal(again.stdout, r.stdout);
  },
});
