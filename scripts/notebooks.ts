/**
 * `deno task notebooks`: execute every notebook headless through Jupyter with the Deno
 * kernel into `results/<profile>/notebooks/`, then fail when any cell produced error
 * output (an exception, or anything on stderr): a notebook that "ran" with a traceback in
 * the middle is not a notebook that works.
 *
 * The notebooks read the profile from `NOTEBOOK_PROFILE`, the results folder whose rows and
 * saved models they show from `NOTEBOOK_RESULTS` (`--results`), and the output folder from
 * `NOTEBOOK_OUT` (all set here); opened by hand without them they use `quick`,
 * `results/quick/` and `results/quick/notebooks/`.
 */
import { type Profile, PROFILES } from "../lib/profile_names.ts";
import { parseCommandLine, parseFlags } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { absoluteFromInvocation, omniglotDir, REPO_ROOT } from "../lib/data/paths.ts";
import { formatSeconds } from "../lib/report/progress.ts";
import { THREADS_ENV } from "../lib/backends/threads.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { childEnv } from "../lib/child_env.ts";

const HELP = `deno task notebooks [flags]

Executes notebooks/*.ipynb headless (jupyter nbconvert, Deno kernel) and writes the
executed copies to results/<profile>/notebooks/. Fails (exit 1) when a cell raised or
wrote to stderr, naming the notebook and the cell.

  --profile quick|standard|paper   scale the notebooks run at (default standard, or the
                                   profile of --results)
  --results DIR                    the results folder to show (a \`deno task reproduce --out
                                   DIR\` folder: rows, saved models); default results/<profile>/
  --only STEM[,STEM]               only these notebooks, e.g. 01_nearest_neighbour
  --timeout SECONDS                per-cell limit (default: quick 600, standard 3600, paper none)
  --threads N                      CPU threads of the wasm backend, passed to the kernels as
                                   ${THREADS_ENV} (default: ${THREADS_ENV}, else every core up to 8)
  --notebooks DIR                  folder of notebooks (default notebooks/)
  --out DIR                        write executed notebooks here instead (default
                                   <results>/notebooks/)
  --help                           this text

Needs jupyter nbconvert and the Deno kernel: \`deno task setup-notebooks\` installs both.`;

/** Parsed command line of `deno task notebooks`. */
export interface NotebookArgs {
  profile: Profile;
  /** Notebook stems to run; all when undefined. */
  only?: string[];
  /** Per-cell timeout in seconds; `undefined` = no limit. */
  timeout?: number;
  /** CPU threads of the wasm backend in the kernels. */
  threads: number;
  notebooks: string;
  out: string;
  /** Absolute path of the results folder given by `--results`, passed as NOTEBOOK_RESULTS. */
  results?: string;
  help: boolean;
}

/** Per-cell limits by profile, in seconds (the paper profile has none). */
const CELL_TIMEOUT: Record<Profile, number | undefined> = {
  quick: 600,
  standard: 3600,
  paper: undefined,
};

/** Parse the flags. @throws {UsageError} on an unknown flag or value. */
export function parseNotebookArgs(argv: string[]): NotebookArgs {
  const values = parseFlags(argv, {
    profile: { type: "string" },
    results: { type: "string" },
    only: { type: "string" },
    timeout: { type: "string" },
    threads: { type: "string" },
    notebooks: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  });
  const results = values.results === undefined ? undefined : checkResultsDir(values.results);
  const profile = values.profile ?? results?.profile ?? "standard";
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`unknown profile "${profile}"; choose one of ${PROFILES.join(", ")}`);
  }
  let timeout = CELL_TIMEOUT[profile as Profile];
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout <= 0) {
      throw new UsageError(
        `--timeout must be a positive number of seconds, got "${values.timeout}"`,
      );
    }
  }
  const only = values.only?.split(",").map((s) => s.trim().replace(/\.ipynb$/, "")).filter(Boolean);
  return {
    profile: profile as Profile,
    only: only?.length ? only : undefined,
    timeout,
    threads: threadsFlag(values.threads),
    notebooks: values.notebooks ?? `${REPO_ROOT}/notebooks`,
    out: values.out ?? `${results?.dir ?? `${REPO_ROOT}/results/${profile}`}/notebooks`,
    results: results?.dir,
    help: values.help!,
  };
}

/**
 * `dir` as an absolute path (the kernels run inside `notebooks/`), with the profile its
 * `run.json` records, if any. @throws {UsageError} when `dir` is not a results folder: a
 * folder holding `one_shot.csv` or `run.json`, as `deno task reproduce --out DIR` writes.
 */
export function checkResultsDir(dir: string): { dir: string; profile?: string } {
  // `deno task` runs in the repo root; INIT_CWD is where the user typed the command.
  const abs = absoluteFromInvocation(dir);
  const hint = "give the --out folder of a `deno task reproduce` run (default results/<profile>)";
  let isDir = false;
  try {
    isDir = Deno.statSync(abs).isDirectory;
  } catch {
    throw new UsageError(`--results ${dir}: no such folder; ${hint}`);
  }
  if (!isDir) throw new UsageError(`--results ${dir}: not a folder; ${hint}`);
  const has = (name: string) => {
    try {
      return Deno.statSync(`${abs}/${name}`).isFile;
    } catch {
      return false;
    }
  };
  if (!has("one_shot.csv") && !has("run.json")) {
    throw new UsageError(
      `--results ${dir}: not a results folder (no one_shot.csv or run.json in it); ${hint}`,
    );
  }
  let profile: string | undefined;
  try {
    const recorded = JSON.parse(Deno.readTextFileSync(`${abs}/run.json`)).profile;
    if ((PROFILES as readonly string[]).includes(recorded)) profile = recorded;
  } catch {
    // no run.json, or unreadable: --profile or the default decides
  }
  return { dir: abs, profile };
}

/** The parts of an `.ipynb` the scan reads. */
export interface NotebookJson {
  cells: {
    cell_type: string;
    id?: string;
    source: string | string[];
    outputs?: {
      output_type: string;
      name?: string;
      ename?: string;
      evalue?: string;
      text?: string | string[];
    }[];
  }[];
}

/** An error output found in an executed notebook. */
export interface NotebookProblem {
  /** 1-based index among all cells. */
  cell: number;
  /** First line of the cell's source, to find it. */
  firstLine: string;
  kind: "error" | "stderr";
  /** The exception (`TypeError: ...`) or the stderr text. */
  message: string;
}

/** Every error output of an executed notebook: exceptions and stderr streams. */
export function findErrorOutputs(notebook: NotebookJson): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  notebook.cells.forEach((cell, i) => {
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const firstLine = source.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") {
        problems.push({
          cell: i + 1,
          firstLine,
          kind: "error",
          message: `${out.ename}: ${out.evalue}`,
        });
      } else if (out.output_type === "stream" && out.name === "stderr") {
        const text = Array.isArray(out.text) ? out.text.join("") : out.text ?? "";
        problems.push({ cell: i + 1, firstLine, kind: "stderr", message: text.trim() });
      }
    }
  });
  return problems;
}

/** Notebook files (`*.ipynb`) of `dir`, sorted, filtered by stem when `only` is given. */
export async function listNotebooks(dir: string, only?: readonly string[]): Promise<string[]> {
  const stems: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) {
      stems.push(entry.name.slice(0, -".ipynb".length));
    }
  }
  stems.sort();
  if (only) {
    const missing = only.filter((s) => !stems.includes(s));
    if (missing.length) {
      throw new UsageError(
        `no notebook named ${missing.join(", ")} in ${dir}; there are: ${
          stems.join(", ") || "none"
        }`,
      );
    }
  }
  return stems.filter((s) => !only || only.includes(s)).map((s) => `${dir}/${s}.ipynb`);
}

/** What executing one notebook gave. */
export interface NotebookOutcome {
  notebook: string;
  /** The executed copy, when nbconvert wrote one. */
  output?: string;
  seconds: number;
  problems: NotebookProblem[];
  /** nbconvert's own failure (kernel missing, cell timeout), with its stderr tail. */
  failure?: string;
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  profile: Profile;
  /** Folder for the executed copy. */
  out: string;
  /** Per-cell timeout in seconds; undefined = none. */
  timeout?: number;
  /** Results folder the notebooks show (NOTEBOOK_RESULTS); unset = theirs by default. */
  results?: string;
  /** CPU threads of the wasm backend, passed as `SIAMESE_THREADS`; unset = the kernel's default. */
  threads?: number;
}

/**
 * Execute `path` with `jupyter nbconvert` and the Deno kernel, writing the executed copy
 * to `out` atomically (nbconvert writes into a temp folder, then it is renamed in), and
 * scan it for error outputs. Cells keep running after an exception (`--allow-errors`) so
 * the scan can name the cell that raised.
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions,
): Promise<NotebookOutcome> {
  const started = performance.now();
  const name = path.slice(path.lastIndexOf("/") + 1);
  await Deno.mkdir(options.out, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: options.out, prefix: ".tmp-" });
  try {
    const inherited = childEnv();
    const command = new Deno.Command("jupyter", {
      args: [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--allow-errors",
        "--ExecutePreprocessor.kernel_name=deno",
        `--ExecutePreprocessor.timeout=${options.timeout ?? -1}`,
        "--ExecutePreprocessor.startup_timeout=120",
        `--output-dir=${tmp}`,
        path,
      ],
      clearEnv: inherited.clearEnv,
      env: {
        ...inherited.env,
        // Kernels run inside the notebook's folder: hand them the Omniglot folder absolute.
        ...(Deno.env.get("OMNIGLOT_DIR") ? { OMNIGLOT_DIR: omniglotDir().dir } : {}),
        NOTEBOOK_PROFILE: options.profile,
        NOTEBOOK_OUT: options.out,
        ...(options.results ? { NOTEBOOK_RESULTS: options.results } : {}),
        NO_COLOR: "1",
        ...(options.threads === undefined ? {} : { [THREADS_ENV]: String(options.threads) }),
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
    const result = await command.output();
    const seconds = (performance.now() - started) / 1000;
    if (!result.success) {
      const tail = new TextDecoder().decode(result.stderr).trim().split("\n").slice(-15).join("\n");
      return {
        notebook: path,
        seconds,
        problems: [],
        failure: `nbconvert exited with code ${result.code}:\n${tail}`,
      };
    }
    const output = `${options.out}/${name}`;
    await Deno.rename(`${tmp}/${name}`, output);
    const problems = findErrorOutputs(JSON.parse(await Deno.readTextFile(output)));
    return { notebook: path, output, seconds, problems };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Why the tools are not usable, or undefined when `jupyter nbconvert` and the Deno kernel are there. */
export async function checkJupyter(): Promise<string | undefined> {
  const setup = "run deno task setup-notebooks (apt-get install jupyter-nbconvert " +
    "python3-nbclient jupyter-client, then deno jupyter --install)";
  let specs: Deno.CommandOutput;
  try {
    specs = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      ...childEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    return `jupyter is not on PATH; ${setup}`;
  }
  const kernels = specs.success
    ? JSON.parse(new TextDecoder().decode(specs.stdout)).kernelspecs ?? {}
    : {};
  if (!("deno" in kernels)) return `the Deno Jupyter kernel is not installed; ${setup}`;
  const nbconvert = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--version"],
    ...childEnv(),
    stdout: "null",
    stderr: "null",
  })
    .output();
  if (!nbconvert.success) return `jupyter nbconvert is missing; ${setup}`;
  return undefined;
}

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(parseNotebookArgs, argv, HELP);
  if (typeof args === "number") return args;
  let notebooks: string[];
  try {
    notebooks = await listNotebooks(args.notebooks, args.only);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const missing = await checkJupyter();
  if (missing) {
    console.error(`error: ${missing}`);
    return 2;
  }
  console.error(
    `profile ${args.profile}${args.results ? `, results ${args.results}` : ""}: ` +
      `${notebooks.length} notebook(s) -> ${args.out}`,
  );
  let failed = 0;
  for (const path of notebooks) {
    const stem = path.slice(path.lastIndexOf("/") + 1);
    const outcome = await executeNotebook(path, {
      profile: args.profile,
      out: args.out,
      timeout: args.timeout,
      results: args.results,
      threads: args.threads,
    });
    const time = formatSeconds(outcome.seconds);
    if (outcome.failure) {
      failed++;
      console.error(`FAIL ${stem} (${time}): ${outcome.failure}`);
    } else if (outcome.problems.length) {
      failed++;
      console.error(`FAIL ${stem} (${time}): error output in ${outcome.output}`);
      for (const p of outcome.problems) {
        console.error(
          `  cell ${p.cell} (${p.firstLine.slice(0, 60)}): ${p.kind}: ${p.message.split("\n")[0]}`,
        );
      }
    } else {
      console.error(`ok   ${stem} (${time}) -> ${outcome.output}`);
    }
  }
  if (failed) console.error(`${failed} of ${notebooks.length} notebook(s) failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
