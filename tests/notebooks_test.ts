import assert from "node:assert/strict";
import {
  checkJupyter,
  findErrorOutputs,
  type NotebookJson,
  parseNotebookArgs,
} from "../scripts/notebooks.ts";
import { UsageError } from "../lib/data/errors.ts";
import { REPO_ROOT } from "../lib/data/paths.ts";
import { NO_OMNIGLOT, tempDir } from "./helpers.ts";

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

/** `deno task notebooks ...args` with the task's own permission flags, from the repo root. */
async function runTask(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const task: string = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`)).tasks.notebooks;
  const [deno, ...taskArgs] = task.split(/\s+/);
  assert.equal(deno, "deno");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs, ...args],
    cwd: REPO_ROOT,
    stdin: "null",
  })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
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

const noJupyter = await checkJupyter();

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
