import assert from "node:assert/strict";
import { parseReproduceArgs } from "../../scripts/reproduce.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { parseCsv } from "../../lib/report/tables.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { runIdentity } from "../../lib/report/run_identity.ts";
import {
  NO_OMNIGLOT,
  runTask,
  taskPermissions,
  tempDir,
  webgpuAdapterMissing,
} from "../helpers.ts";

const NO_WEBGPU = await webgpuAdapterMissing();

/** Run `deno task reproduce` with the task's permissions; returns code and output. */
function reproduce(args: string[], env: Record<string, string> = {}) {
  return runTask("reproduce", args, { SIAMESE_QUIET: "1", ...env });
}

Deno.test("unknown flags, profiles, experiments, backends and seeds are usage errors naming the value", () => {
  assert.throws(
    () => parseReproduceArgs(["--bogus"]),
    (e) => e instanceof UsageError && /bogus/.test(e.message),
  );
  assert.throws(() => parseReproduceArgs(["--profile", "huge"]), /unknown profile "huge"/);
  assert.throws(() => parseReproduceArgs(["--only", "baseline,nope"]), /unknown experiment "nope"/);
  assert.throws(() => parseReproduceArgs(["--backend", "tpu"]), /unknown backend "tpu"/);
  assert.throws(() => parseReproduceArgs(["--seed", "-3"]), /--seed/);
  // Number("") is 0 and 2^53 + 1 rounds to 2^53: both ran silently before.
  assert.throws(() => parseReproduceArgs(["--seed", ""]), /--seed must be a whole number.*""/);
  assert.throws(
    () => parseReproduceArgs(["--seed", "9007199254740993"]),
    /--seed must be a whole number from 0 to 9007199254740991, got "9007199254740993"/,
  );
  assert.throws(() => parseReproduceArgs(["--seed", "1e3"]), /--seed/);
  // "--only ," ran nothing and exited 0; "--only ''" ran everything.
  assert.throws(() => parseReproduceArgs(["--only", ","]), /--only "," names no experiment/);
  assert.throws(() => parseReproduceArgs(["--only", ""]), /--only "" names no experiment/);
  assert.equal(parseReproduceArgs(["--seed", "9007199254740991"]).seed, 9007199254740991);
  const ok = parseReproduceArgs(["--profile", "quick", "--only", "baseline", "--seed", "4"]);
  assert.equal(ok.profile, "quick");
  assert.equal(ok.seed, 4);
  assert.equal(parseReproduceArgs([]).profile, "standard");
});

Deno.test("an unknown flag exits 2 with a message, and --help lists every flag", async () => {
  const bad = await reproduce(["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /frobnicate/);
  const help = await reproduce(["--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--profile", "--only", "--backend", "--seed", "--out", "--force"]) {
    assert.match(help.stdout, new RegExp(flag));
  }
});

Deno.test("missing data exits 2, says what to do and writes nothing", async () => {
  const out = tempDir();
  const empty = tempDir();
  const r = await reproduce([
    "--profile",
    "quick",
    "--only",
    "baseline",
    "--backend",
    "cpu",
    "--out",
    `${out}/res`,
  ], {
    OMNIGLOT_DIR: empty,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /OMNIGLOT_DIR/);
  assert.throws(() => Deno.statSync(`${out}/res`), Deno.errors.NotFound);
});

Deno.test("the paper profile refuses a CPU backend without --force", async () => {
  const r = await reproduce([
    "--profile",
    "paper",
    "--backend",
    "cpu",
    "--out",
    `${tempDir()}/res`,
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--force/);
});

Deno.test("--chunk with a batch-norm tower exits 2 naming --chunk before any work (issue 17)", async () => {
  // Before, the standard profile's run loaded the data, ran the baseline and failed at the
  // Siamese net's first step with a ChunkingError (exit 1). An empty OMNIGLOT_DIR makes a run
  // that gets past the flags stop at once on the data instead, with another message.
  for (const profile of ["standard", "quick"]) {
    const out = `${tempDir()}/res`;
    const r = await reproduce([
      "--profile",
      profile,
      "--backend",
      "cpu",
      "--chunk",
      "8",
      "--out",
      out,
    ], {
      OMNIGLOT_DIR: tempDir(),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--chunk 8 cannot train .*per-chunk batch-norm\s+statistics/s);
    assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
  }
});

Deno.test({
  name: "reproduce --profile quick --only baseline writes the contract's files with rows in range",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const out = `${tempDir()}/quick`;
    const r = await reproduce([
      "--profile",
      "quick",
      "--only",
      "baseline",
      "--backend",
      "cpu",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseCsv(Deno.readTextFileSync(`${out}/one_shot.csv`));
    assert.deepEqual(
      Object.keys(rows[0]),
      [
        "experiment",
        "method",
        "dataset",
        "protocol",
        "ways",
        "shots",
        "trials",
        "correct",
        "accuracy",
        "ci_low",
        "ci_high",
        "paper_accuracy",
      ],
    );
    const lake = rows.find((x) => x.protocol === "lake-runs" && x.method === "1-nn-cosine")!;
    assert.ok(Number(lake.accuracy) >= 15 && Number(lake.accuracy) <= 30);
    assert.match(lake.accuracy, /^\d+\.\d\d$/);
    assert.equal(lake.paper_accuracy, "21.70");
    for (const x of rows) {
      assert.ok(Number(x.ci_low) <= Number(x.accuracy) && Number(x.accuracy) <= Number(x.ci_high));
    }
    const run = JSON.parse(Deno.readTextFileSync(`${out}/run.json`));
    assert.equal(run.profile, "quick");
    assert.equal(run.backend, "cpu");
    assert.equal(run.experiments.baseline.status, "ok");
    assert.ok(run.experiments.baseline.seconds > 0);
    assert.ok(run.versions["tfjs-core"]);
    const report = Deno.readTextFileSync(`${out}/report.md`);
    assert.match(report, /1-nn-cosine/);
    assert.match(report, /21\.7/);
    const figures = [...Deno.readDirSync(`${out}/figures`)].map((e) => e.name);
    for (const f of ["plotly.min.js", "index.html", "baseline_n_way.html", "n_way_curve.html"]) {
      assert.ok(figures.includes(f), `figures/${f}`);
    }
    // plotly.js (4.6 MB) lives once in the folder; the pages only load it.
    for (const f of figures.filter((f) => f.endsWith(".html"))) {
      assert.ok(Deno.statSync(`${out}/figures/${f}`).size < 100_000, `figures/${f} is small`);
    }
    assert.doesNotMatch(report, /plotly\.min\.js/);
    assert.match(report, /figures\/index\.html/);
    assert.ok(
      ![...Deno.readDirSync(out)].some((e) => e.name.includes(".tmp-")),
      "no temp files left",
    );
    assert.equal(run.status, "complete");
    assert.match(run.configHash, /^[0-9a-f]{12}$/);
    assert.equal(run.experiments.baseline.gitCommit, run.gitCommit);
    assert.match(report, new RegExp(`config \`${run.configHash}\``));

    // An --only rerun of the same run merges into its folder (saved models are reused there),
    // and the temp files a killed run left behind are cleared.
    const stale = `${out}/figures/baseline.html.tmp-999999999-0123abcd`;
    Deno.writeTextFileSync(stale, "half a file");
    Deno.utimeSync(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const again = await reproduce([...BASELINE, "--out", out]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /a folder of this run: merging/);
    assert.throws(() => Deno.statSync(stale), Deno.errors.NotFound);
    assert.deepEqual(
      parseCsv(Deno.readTextFileSync(`${out}/one_shot.csv`)),
      rows,
      "the same rows, once",
    );
  },
});

/** The files under `dir` with their contents, to show a refused run wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else out[p] = e.isFile ? Deno.readTextFileSync(p) : "<link>";
    }
  };
  walk(dir);
  return out;
}

/** A results folder as a seed-3 quick run leaves it. */
function seed3Folder(): string {
  const dir = `${tempDir()}/quick`;
  Deno.mkdirSync(`${dir}/models/triplet-batch-hard`, { recursive: true });
  const config = resolveConfig("quick", { seed: 3 });
  Deno.writeTextFileSync(
    `${dir}/run.json`,
    JSON.stringify({ profile: "quick", seed: 3, config, experiments: {} }),
  );
  Deno.writeTextFileSync(`${dir}/one_shot.csv`, "experiment,method\ntriplet,triplet-batch-hard\n");
  Deno.writeTextFileSync(`${dir}/models/triplet-batch-hard/training.json`, "{}");
  return dir;
}

Deno.test({
  name: "on webgpu run.json names the host that evaluated and its threads; experiments say webgpu",
  ignore: NO_OMNIGLOT || NO_WEBGPU !== undefined,
  fn: async () => {
    const out = `${tempDir()}/webgpu`;
    const r = await reproduce(
      [
        ...["--profile", "quick", "--only", "baseline", "--backend", "webgpu"],
        ...["--threads", "2", "--out", out],
      ],
      { SIAMESE_WEBGPU_SOFTWARE: "1" },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /training steps only; validation and evaluation on wasm, 2 threads/);
    const run = JSON.parse(Deno.readTextFileSync(`${out}/run.json`));
    assert.equal(run.backend, "webgpu");
    // Before: threads null and no host, and each experiment named the host active when it
    // started ("wasm"), also for the models it trains on webgpu.
    assert.deepEqual(run.host, { backend: "wasm", threads: 2 });
    assert.equal(run.experiments.baseline.backend, "webgpu");
  },
});

const BASELINE = ["--profile", "quick", "--only", "baseline", "--backend", "cpu"];

Deno.test("bad flag values exit 2 naming the flag before anything starts", async () => {
  for (
    const [args, message] of [
      [["--seed", ""], /--seed must be a whole number/],
      [["--seed", "9007199254740993"], /--seed must be a whole number/],
      [["--only", ","], /--only "," names no experiment/],
      [["--only", ""], /--only "" names no experiment/],
    ] as const
  ) {
    const out = `${tempDir()}/res`;
    const r = await reproduce([...BASELINE.slice(0, 2), ...args, "--out", out]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
  }
});

Deno.test("an --out that cannot take the results exits 2 naming it, before any training", async () => {
  const base = tempDir();
  const file = `${base}/results.txt`;
  Deno.writeTextFileSync(file, "keep me");
  let r = await reproduce([...BASELINE, "--out", file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--out .*results\.txt.* is a file, not a folder/);
  assert.equal(Deno.readTextFileSync(file), "keep me");
  assert.doesNotMatch(r.stderr, /\[1\/1\] baseline/, "nothing trained or evaluated");

  const figuresFile = `${tempDir()}/res`;
  Deno.mkdirSync(figuresFile);
  Deno.writeTextFileSync(`${figuresFile}/figures`, "");
  r = await reproduce([...BASELINE, "--out", figuresFile]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /figures is a file where a folder goes/);

  r = await reproduce([...BASELINE, "--out", "/var/i14-outside-allow-list"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /--out \/var\/i14-outside-allow-list is outside the folders this task may write/,
  );

  // A symlink under /tmp must not carry results outside the allow-list.
  // `ln`, not Deno.symlinkSync: the test task's write permission is path-scoped, which
  // Deno refuses for symlinks.
  await new Deno.Command("ln", { args: ["-s", "/var", `${base}/link`] }).output();
  r = await reproduce([...BASELINE, "--out", `${base}/link/i14-results`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /leads to \/var\/i14-results, which is outside/);
  assert.throws(() => Deno.statSync("/var/i14-results"), Deno.errors.NotFound);
});

Deno.test({
  name: "a read-only --out folder exits 2 before any training",
  ignore: Deno.uid() === 0, // root writes through a read-only mode
  fn: async () => {
    const dir = tempDir();
    Deno.chmodSync(dir, 0o555);
    const r = await reproduce([...BASELINE, "--out", `${dir}/res`]);
    Deno.chmodSync(dir, 0o755);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot write in/);
  },
});

Deno.test("a folder of another run (seed, profile) or of no run is refused, untouched", async () => {
  const dir = seed3Folder();
  const before = snapshot(dir);
  let r = await reproduce([...BASELINE, "--seed", "5", "--out", dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds another run \(profile quick, seed 3, config [0-9a-f]{12}\)/);
  assert.match(r.stderr, /pass --out with a new folder/);
  r = await reproduce(["--profile", "standard", "--only", "baseline", "--seed", "3", "--out", dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds another run \(profile quick, seed 3/);
  assert.deepEqual(snapshot(dir), before);

  const other = tempDir();
  Deno.writeTextFileSync(`${other}/notes.txt`, "mine");
  r = await reproduce([...BASELINE, "--out", other]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds files but no readable run\.json/);
  assert.deepEqual(snapshot(other), { [`${other}/notes.txt`]: "mine" });
});

Deno.test("the reproduce task grants no unscoped net, run, ffi or sys permission", () => {
  const flags = taskPermissions("reproduce");
  for (const name of ["net", "run", "ffi", "sys"]) {
    assert.ok(!flags.includes(`--allow-${name}`), `--allow-${name} unscoped`);
  }
  assert.ok(
    !flags.some((f) => f.startsWith("--allow-ffi")),
    "native code only in reproduce-native",
  );
  assert.ok(flags.includes("--allow-run=git,chromium"));
  assert.ok(taskPermissions("reproduce-native").includes("--allow-ffi"));
});

Deno.test("--miners picks the triplet models; unknown, repeated or empty lists are usage errors", () => {
  assert.equal(parseReproduceArgs([]).miners, undefined);
  assert.deepEqual(resolveConfig("quick").triplet.miners, ["batch-hard", "semi-hard"]);
  const args = parseReproduceArgs(["--profile", "quick", "--miners", "batch-hard"]);
  assert.deepEqual(args.miners, ["batch-hard"]);
  const config = resolveConfig("quick", { miners: args.miners });
  assert.deepEqual(config.triplet.miners, ["batch-hard"]);
  // Another run than the profile's: its folder's identity differs.
  assert.notEqual(runIdentity(config).configHash, runIdentity(resolveConfig("quick")).configHash);
  assert.deepEqual(parseReproduceArgs(["--miners", "semi-hard,batch-hard"]).miners, [
    "semi-hard",
    "batch-hard",
  ]);
  assert.throws(
    () => parseReproduceArgs(["--miners", "hardest"]),
    /unknown miner "hardest" in --miners/,
  );
  assert.throws(
    () => parseReproduceArgs(["--miners", "batch-hard,batch-hard"]),
    /--miners names "batch-hard" twice/,
  );
  assert.throws(() => parseReproduceArgs(["--miners", ","]), /--miners "," names no miner/);
});
