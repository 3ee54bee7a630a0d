import assert from "node:assert/strict";
import { relative } from "node:path";
import {
  checkJupyter,
  findErrorOutputs,
  type NotebookJson,
  parseNotebookArgs,
} from "../scripts/notebooks.ts";
import { UsageError } from "../lib/usage_error.ts";
import { REPO_ROOT } from "../lib/data/paths.ts";
import { writeRows, writeRunRecord } from "../lib/report/results.ts";
import { NO_OMNIGLOT, runTask as runDenoTask, tempDir } from "./helpers.ts";

/** A notebook with the given code cells (source, outputs), as nbformat 4 writes it. */
function notebook(cells: { source: string; outputs?: unknown[] }[]) {
  return {
    cells: cells.map((c, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      execution_count: null,
      metadata: {},
      source: c.source,
      outputs: c.outputs ?? [],
    })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** `deno task notebooks ...args` with the task's own permissions, `env` added to the kernels'. */
const runTask = (args: string[], env?: Record<string, string>) =>
  runDenoTask("notebooks", args, env);

/**
 * `deno task notebooks --profile quick --only <only>` against the results folder `results` (as
 * NOTEBOOK_RESULTS), the executed copies in `<results>/notebooks` (`out`).
 */
async function runQuick(only: string, results: string) {
  const out = `${results}/notebooks`;
  const result = await runTask(["--profile", "quick", "--only", only, "--out", out], {
    NOTEBOOK_RESULTS: results,
  });
  return { out, result };
}

Deno.test("the scan finds an exception and a stderr stream, naming each cell", () => {
  const nb = notebook([
    {
      source: "console.log(1)",
      outputs: [{ output_type: "stream", name: "stdout", text: ["1\n"] }],
    },
    {
      source: "// load\nthrow new TypeError('bad')",
      outputs: [{ output_type: "error", ename: "TypeError", evalue: "bad", traceback: [] }],
    },
    {
      source: "console.error('oops')",
      outputs: [{ output_type: "stream", name: "stderr", text: ["oops\n"] }],
    },
  ]);
  assert.deepEqual(findErrorOutputs(nb as NotebookJson), [
    { cell: 2, firstLine: "// load", kind: "error", message: "TypeError: bad" },
    { cell: 3, firstLine: "console.error('oops')", kind: "stderr", message: "oops" },
  ]);
});

Deno.test("a clean notebook (stdout, display data, markdown) has no error outputs", () => {
  const nb = notebook([
    { source: "console.log(1)", outputs: [{ output_type: "stream", name: "stdout", text: "1\n" }] },
    {
      source: "x",
      outputs: [{ output_type: "display_data", data: { "text/plain": "x" }, metadata: {} }],
    },
  ]);
  nb.cells.push({ cell_type: "markdown", id: "md", metadata: {}, source: "# title" } as never);
  assert.deepEqual(findErrorOutputs(nb as NotebookJson), []);
});

Deno.test("flags: the profile defaults to standard and sets the per-cell timeout and output folder", () => {
  const args = parseNotebookArgs([]);
  assert.equal(args.profile, "standard");
  assert.equal(args.timeout, 3600);
  assert.equal(args.out, `${REPO_ROOT}/results/standard/notebooks`);
  assert.equal(args.only, undefined);
  const quick = parseNotebookArgs([
    "--profile",
    "quick",
    "--only",
    "01_nearest_neighbour.ipynb,02_x",
  ]);
  assert.equal(quick.timeout, 600);
  assert.deepEqual(quick.only, ["01_nearest_neighbour", "02_x"]);
  assert.equal(parseNotebookArgs(["--profile", "paper"]).timeout, undefined);
});

Deno.test("flags: an unknown profile, flag or timeout is a usage error naming it", () => {
  assert.throws(
    () => parseNotebookArgs(["--profile", "huge"]),
    (e) => e instanceof UsageError && /huge/.test(e.message),
  );
  assert.throws(
    () => parseNotebookArgs(["--bogus"]),
    (e) => e instanceof UsageError && /--bogus/.test(e.message),
  );
  assert.throws(() => parseNotebookArgs(["--timeout", "soon"]), UsageError);
});

Deno.test("deno task notebooks exits 2 on an unknown flag or notebook, and 0 on --help", async () => {
  const bogus = await runTask(["--bogus"]);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /--bogus/);
  const missing = await runTask(["--only", "99_nothing"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no notebook named 99_nothing/);
  const help = await runTask(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--profile quick\|standard\|paper/);
});

Deno.test("committed notebooks use the Deno kernel and carry no outputs", () => {
  const names = [...Deno.readDirSync(`${REPO_ROOT}/notebooks`)].map((e) => e.name).filter((n) =>
    n.endsWith(".ipynb")
  );
  assert.ok(names.includes("01_nearest_neighbour.ipynb"));
  for (const name of names) {
    const nb = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/notebooks/${name}`));
    assert.equal(nb.metadata.kernelspec.name, "deno", `${name} kernel`);
    for (const cell of nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code")) {
      assert.deepEqual(
        cell.outputs,
        [],
        `${name} cell ${cell.id} has outputs: clear them before committing`,
      );
      assert.equal(cell.execution_count, null, `${name} cell ${cell.id} has an execution count`);
    }
  }
});

Deno.test("every notebook's code cells type-check as one module against the repo's deno.json", async () => {
  const dir = tempDir();
  const names = [...Deno.readDirSync(`${REPO_ROOT}/notebooks`)].map((e) => e.name).filter((n) =>
    n.endsWith(".ipynb")
  );
  for (const name of names) {
    const nb = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/notebooks/${name}`));
    const code = nb.cells
      .filter((c: { cell_type: string }) => c.cell_type === "code")
      .map((
        c: { source: string | string[] },
      ) => (Array.isArray(c.source) ? c.source.join("") : c.source))
      .join("\n")
      .replaceAll(/(["'])\.\.\/lib\//g, `$1${REPO_ROOT}/lib/`);
    const file = `${dir}/${name.replace(/\.ipynb$/, ".ts")}`;
    Deno.writeTextFileSync(file, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", `${REPO_ROOT}/deno.json`, file],
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, `${name}: ${new TextDecoder().decode(out.stderr)}`);
  }
});

Deno.test("flags: --results takes a results folder, its run.json's profile, and writes beside it", async () => {
  const results = tempDir();
  await resultsFixture(results); // run.json says profile quick
  const args = parseNotebookArgs(["--results", results]);
  assert.equal(args.results, results);
  assert.equal(args.profile, "quick");
  assert.equal(args.timeout, 600);
  assert.equal(args.out, `${results}/notebooks`);
  assert.equal(
    parseNotebookArgs(["--results", results, "--profile", "standard"]).profile,
    "standard",
  );
  assert.equal(parseNotebookArgs(["--results", results, "--out", "/tmp/x"]).out, "/tmp/x");
  // A folder with rows but no run.json is a results folder too; the profile is the default.
  const rowsOnly = tempDir();
  Deno.copyFileSync(`${results}/one_shot.csv`, `${rowsOnly}/one_shot.csv`);
  assert.equal(parseNotebookArgs(["--results", rowsOnly]).profile, "standard");
  // The kernels run inside notebooks/, so a relative folder is made absolute.
  const relativeArgs = parseNotebookArgs(["--results", relative(Deno.cwd(), results)]);
  assert.equal(relativeArgs.results, results);
});

Deno.test("flags: --results that is not a results folder is a usage error naming it", () => {
  const empty = tempDir();
  const file = `${empty}/notes.txt`;
  Deno.writeTextFileSync(file, "x");
  for (
    const [dir, message] of [
      [`${empty}/missing`, /--results .*\/missing: no such folder/],
      [file, /--results .*notes\.txt: not a folder/],
      [empty, /not a results folder \(no one_shot\.csv or run\.json in it\)/],
    ] as const
  ) {
    assert.throws(
      () => parseNotebookArgs(["--results", dir]),
      (e) =>
        e instanceof UsageError && message.test(e.message) && /deno task reproduce/.test(e.message),
      dir,
    );
  }
});

Deno.test("deno task notebooks --results on a folder that is not a results folder exits 2 and writes nothing", async () => {
  const empty = tempDir();
  const result = await runTask(["--results", empty]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /error: --results .*: not a results folder/);
  assert.deepEqual([...Deno.readDirSync(empty)], []);
});

const noJupyter = await checkJupyter();

Deno.test({
  name:
    `--results reaches the kernels as NOTEBOOK_RESULTS and the copies land in <results>/notebooks${
      noJupyter ? ` (ignored: ${noJupyter})` : ""
    }`,
  ignore: noJupyter !== undefined,
  fn: async () => {
    const dir = tempDir();
    Deno.writeTextFileSync(
      `${dir}/a_env.ipynb`,
      JSON.stringify(notebook([{
        source:
          "console.log(Deno.env.get('NOTEBOOK_RESULTS'), Deno.env.get('NOTEBOOK_PROFILE'));\nawait new Promise((r) => setTimeout(r, 50));",
      }])),
    );
    const results = tempDir();
    await resultsFixture(results);
    const result = await runTask(["--notebooks", dir, "--results", results]);
    assert.equal(result.code, 0, result.stderr);
    const executed = JSON.parse(Deno.readTextFileSync(`${results}/notebooks/a_env.ipynb`));
    assert.deepEqual(executed.cells[0].outputs[0].text, [`${results} quick\n`]);
  },
});

Deno.test({
  name: `the runner executes notebooks and fails naming the cell that wrote to stderr${
    noJupyter ? ` (ignored: ${noJupyter})` : ""
  }`,
  ignore: noJupyter !== undefined,
  fn: async () => {
    const dir = tempDir();
    const write = (name: string, nb: unknown) =>
      Deno.writeTextFileSync(`${dir}/${name}.ipynb`, JSON.stringify(nb));
    write(
      "a_clean",
      notebook([{
        source:
          "console.log(Deno.env.get('NOTEBOOK_PROFILE'));\nawait new Promise((r) => setTimeout(r, 50));",
      }]),
    );
    write(
      "b_noisy",
      notebook([{ source: "const x = 1;" }, {
        source: "console.error('boom');\nawait new Promise((r) => setTimeout(r, 50));",
      }]),
    );
    const out = `${dir}/out`;
    const result = await runTask(["--profile", "quick", "--notebooks", dir, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /ok {3}a_clean\.ipynb/);
    assert.match(result.stderr, /FAIL b_noisy\.ipynb/);
    assert.match(result.stderr, /cell 2 \(console\.error\('boom'\);\): stderr: boom/);
    const clean = JSON.parse(Deno.readTextFileSync(`${out}/a_clean.ipynb`));
    assert.deepEqual(clean.cells[0].outputs[0].text, ["quick\n"]);
  },
});

const skip01 = noJupyter ?? (NO_OMNIGLOT ? "Omniglot not found (set OMNIGLOT_DIR)" : undefined);

Deno.test({
  name:
    `notebooks/01_nearest_neighbour.ipynb executes on the quick profile with a table, a figure and no errors${
      skip01 ? ` (ignored: ${skip01})` : ""
    }`,
  ignore: skip01 !== undefined,
  fn: async () => {
    const out = tempDir();
    const result = await runTask([
      "--profile",
      "quick",
      "--only",
      "01_nearest_neighbour",
      "--out",
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const nb = JSON.parse(Deno.readTextFileSync(`${out}/01_nearest_neighbour.ipynb`));
    assert.deepEqual(findErrorOutputs(nb), []);
    const data = nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) =>
      c.outputs ?? []
    )
      .map((o: { data?: Record<string, unknown> }) => o.data ?? {});
    const table = data.find((d: Record<string, unknown>) => "text/markdown" in d);
    assert.ok(table, "a table was shown");
    assert.match(String(table["text/markdown"]), /1-nn-cosine.*lake-runs/);
    const fig = data.find((d: Record<string, unknown>) => "application/vnd.plotly.v1+json" in d);
    assert.ok(fig, "a plotly figure was shown");
    assert.ok(Array.isArray((fig["application/vnd.plotly.v1+json"] as { data: unknown }).data));
    assert.ok(
      Deno.statSync(`${out}/figures/baseline_n_way.html`).isFile,
      "the figure was exported",
    );
  },
});

/** The outputs of an executed notebook, flattened: stdout text and display bundles. */
function notebookOutputs(path: string): { stdout: string; data: Record<string, unknown>[] } {
  const nb = JSON.parse(Deno.readTextFileSync(path));
  const outputs: {
    output_type: string;
    name?: string;
    text?: string | string[];
    data?: Record<string, unknown>;
  }[] = nb.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
  const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : t ?? "");
  return {
    stdout: outputs.filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) =>
      text(o.text)
    ).join(""),
    // nbformat stores multi-line text as a list of lines.
    data: outputs.filter((o) => o.data).map((o) =>
      Object.fromEntries(
        Object.entries(o.data!).map(([k, v]) => [k, Array.isArray(v) ? v.join("") : v]),
      )
    ),
  };
}

/** A results folder as `deno task reproduce` writes it: one row per experiment kind, and run.json. */
async function resultsFixture(dir: string): Promise<void> {
  const row = (
    experiment: string,
    method: string,
    protocol: string,
    ways: number,
    correct: number,
  ) => ({
    experiment,
    method,
    dataset: protocol === "mnist-400" ? "mnist" : "omniglot",
    protocol,
    ways,
    shots: 1,
    trials: protocol === "n-way" ? 100 : 400,
    correct,
    accuracy: (100 * correct) / (protocol === "n-way" ? 100 : 400),
    ci_low: 1,
    ci_high: 99,
    paper_accuracy: protocol === "n-way" ? undefined : protocol === "mnist-400" ? 70.3 : 92,
  });
  await writeRows(dir, ["siamese"], {
    oneShot: [
      row("siamese", "siamese-bce", "lake-runs", 20, 300),
      row("siamese", "siamese-bce", "koch-400", 20, 280),
      row("siamese", "siamese-bce", "n-way", 2, 90),
      row("siamese", "siamese-bce", "n-way", 20, 60),
      row("mnist", "siamese-bce", "mnist-400", 10, 200),
    ],
    verification: [{
      experiment: "siamese",
      method: "siamese-bce-fixed-pairs",
      train_pairs: 30_000,
      distortions: true,
      test_pairs: 1000,
      accuracy: 88.5,
      threshold: 0.1,
      auc: 0.95,
      eer: 11,
      paper_accuracy: 91.9,
    }],
  });
  await writeRunRecord(dir, {
    profile: "quick",
    seed: 1,
    backend: "wasm",
    backendsSkipped: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:02:00.000Z",
    versions: {},
    gitCommit: "abc123",
    command: ["deno", "task", "reproduce", "--profile", "quick"],
    config: {},
    experiments: {
      siamese: { status: "ok", seconds: 75, backend: "wasm", details: { reused: true } },
    },
  });
}

Deno.test({
  name: `notebooks/05_summary.ipynb shows the paper's tables beside a results folder's rows${
    noJupyter ? ` (ignored: ${noJupyter})` : ""
  }`,
  ignore: noJupyter !== undefined,
  fn: async () => {
    const results = tempDir();
    await resultsFixture(results);
    const { out, result } = await runQuick("05_summary", results);
    assert.equal(result.code, 0, result.stderr);
    const { stdout, data } = notebookOutputs(`${out}/05_summary.ipynb`);
    assert.match(stdout, /5 one-shot rows, 1 verification rows, run\.json present/);
    assert.match(stdout, /backend wasm, commit abc123/);
    const tables = data.map((d) => String(d["text/markdown"] ?? "")).filter(Boolean);
    // Table 2: ours (koch-400, 70%) ranked between the paper's affine model and Hierarchical Deep.
    assert.match(
      tables[0],
      /Affine model \| paper \| 81\.8[^\n]*\n\| siamese: siamese-bce \| this repo \| 70\.00/,
    );
    assert.match(
      tables[1],
      /\| 30000 \| affine \| 91\.90 \| siamese: siamese-bce-fixed-pairs \| 88\.50 /,
    );
    assert.ok(tables.some((t) => /mnist: siamese-bce \| 50\.00/.test(t)), "the MNIST table");
    assert.ok(
      tables.some((t) => /siamese \| ok \| wasm \| 1m15s \| saved model reused/.test(t)),
      "the run table",
    );
    const fig = data.find((d) => "application/vnd.plotly.v1+json" in d);
    assert.ok(fig, "the n-way figure was shown");
    assert.match(String(fig["text/plain"]), /siamese\/siamese-bce: 2:90 20:60/);
    assert.ok(Deno.statSync(`${out}/figures/summary_n_way.html`).isFile, "the figure was exported");
  },
});

Deno.test({
  name:
    `notebooks/05_summary.ipynb without results says how to produce them and shows nothing else${
      noJupyter ? ` (ignored: ${noJupyter})` : ""
    }`,
  ignore: noJupyter !== undefined,
  fn: async () => {
    const results = tempDir();
    const { out, result } = await runQuick("05_summary", results);
    assert.equal(result.code, 0, result.stderr);
    const { stdout, data } = notebookOutputs(`${out}/05_summary.ipynb`);
    assert.match(stdout, /No results in .* yet/);
    assert.match(stdout, /deno task reproduce --profile quick/);
    assert.deepEqual(data, []);
  },
});

Deno.test({
  name: `notebooks/04_mnist_transfer.ipynb without saved models shows the 1-NN rows and says why${
    skip01 ? ` (ignored: ${skip01})` : ""
  }`,
  ignore: skip01 !== undefined,
  fn: async () => {
    const results = tempDir();
    const { out, result } = await runQuick("04_mnist_transfer", results);
    assert.equal(result.code, 0, result.stderr);
    const { stdout, data } = notebookOutputs(`${out}/04_mnist_transfer.ipynb`);
    assert.match(stdout, /No Omniglot-trained model saved/);
    const last = String(data.at(-1)?.["text/markdown"]);
    assert.match(last, /baseline: 1-nn-cosine .* \| 400 \| 26\.50/);
    assert.doesNotMatch(last, /siamese|triplet/);
  },
});

Deno.test({
  name:
    `notebooks 02 and 03 train their quick models into the results folder and show their rows, figures and gallery${
      skip01 ? ` (ignored: ${skip01})` : ""
    }`,
  ignore: skip01 !== undefined,
  fn: async () => {
    const results = tempDir();
    const { out, result } = await runQuick("02_siamese_bce,03_triplet_hard_negatives", results);
    assert.equal(result.code, 0, result.stderr);
    const tables = (name: string) => {
      const nb = JSON.parse(Deno.readTextFileSync(`${out}/${name}.ipynb`));
      assert.deepEqual(findErrorOutputs(nb), [], name);
      const { data } = notebookOutputs(`${out}/${name}.ipynb`);
      assert.ok(data.some((d) => "application/vnd.plotly.v1+json" in d), `${name}: a figure`);
      return data.map((d) => String(d["text/markdown"] ?? "")).filter(Boolean).join("\n");
    };
    const siamese = tables("02_siamese_bce");
    assert.match(siamese, /\| siamese: siamese-bce \| omniglot \| lake-runs \| 20 \| 400 \| \d/);
    assert.match(siamese, /\| 2000 \| affine \|/, "Table 1's fixed-pair rows");
    const triplet = tables("03_triplet_hard_negatives");
    assert.match(triplet, /\| triplet: triplet-batch-hard \| \d+\.\d{4} \|/, "verification");
    assert.match(triplet, /\| query \| 1st \| 2nd \| 3rd \| right \|/, "the gallery");
    for (const model of ["siamese", "triplet-batch-hard", "triplet-semi-hard"]) {
      assert.ok(Deno.statSync(`${results}/models/${model}`).isDirectory, `${model} saved`);
    }
  },
});
