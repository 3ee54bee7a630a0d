import assert from "node:assert/strict";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { parseReproduceArgs } from "../../scripts/reproduce.ts";
import { UsageError } from "../../lib/data/errors.ts";
import { parseCsv } from "../../lib/report/tables.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

/** Run `deno task reproduce`'s script with the task's permissions; returns code and output. */
async function reproduce(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write=data,results,/tmp",
      "--allow-env",
      "--allow-net",
      "--allow-run",
      "--allow-ffi",
      "--allow-sys",
      "scripts/reproduce.ts",
      ...args,
    ],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", SIAMESE_QUIET: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
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
  },
});
