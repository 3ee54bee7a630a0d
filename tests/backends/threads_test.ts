import assert from "node:assert/strict";
import os from "node:os";
import {
  coreCount,
  defaultThreads,
  MAX_WASM_THREADS,
  parseThreads,
  THREADS_ENV,
} from "../../lib/backends/threads.ts";
import { threadsFlag } from "../../lib/backends/threads_flag.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { parseReproduceArgs } from "../../scripts/reproduce.ts";
import { parseNotebookArgs } from "../../scripts/notebooks.ts";
import { parseBenchArgs } from "../../scripts/bench.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

/** Runs `body` with `SIAMESE_THREADS` set to `value` (unset for undefined), then restores it. */
function withThreadsEnv<T>(value: string | undefined, body: () => T): T {
  const before = Deno.env.get(THREADS_ENV);
  if (value === undefined) Deno.env.delete(THREADS_ENV);
  else Deno.env.set(THREADS_ENV, value);
  try {
    return body();
  } finally {
    if (before === undefined) Deno.env.delete(THREADS_ENV);
    else Deno.env.set(THREADS_ENV, before);
  }
}

/** The default without SIAMESE_THREADS: every core, at most the wasm build's pool. */
const DEFAULT = Math.min(os.cpus().length, MAX_WASM_THREADS);

Deno.test("the default thread count is every core up to 8, or SIAMESE_THREADS when set", () => {
  assert.equal(coreCount(), os.cpus().length);
  assert.equal(defaultThreads(() => undefined), DEFAULT);
  assert.equal(defaultThreads((name) => (name === THREADS_ENV ? "3" : undefined)), 3);
  assert.throws(() => defaultThreads(() => "many"), /SIAMESE_THREADS must be a positive integer/);
});

Deno.test("a thread count must be a positive integer, and the message names its source", () => {
  assert.equal(parseThreads("2", "--threads"), 2);
  for (const bad of ["0", "-1", "1.5", "", " ", "two"]) {
    assert.throws(() => parseThreads(bad, "--threads"), /--threads must be a positive integer/);
  }
  assert.throws(
    () => threadsFlag("0"),
    (e) => e instanceof UsageError && /--threads/.test(e.message),
  );
});

Deno.test("more threads than the wasm build's pool of 8 is refused, not silently run on 8", async () => {
  // Before, --threads 16 was accepted: the backend ran 8 and the bench's note said 16.
  assert.equal(parseThreads("8", "--threads"), 8);
  for (const many of ["9", "16"]) {
    assert.throws(() => parseThreads(many, "--threads"), /--threads must be at most 8/);
  }
  assert.throws(
    () => defaultThreads((name) => (name === THREADS_ENV ? "12" : undefined)),
    /SIAMESE_THREADS must be at most 8/,
  );
  assert.throws(
    () => threadsFlag("16"),
    (e) => e instanceof UsageError && /--threads must be at most 8/.test(e.message),
  );
  // The cap is the build's: asking the backend itself for 12 gives 8 (a child process, since
  // the thread count is fixed when wasm first starts in a process).
  const script = `${tempDir()}/pool.ts`;
  await Deno.writeTextFile(
    script,
    `import { startThreadedWasm } from "${REPO_ROOT}/lib/backends/wasm_threads.ts";\n` +
      `console.log(await startThreadedWasm(12));\n`,
  );
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `--config=${REPO_ROOT}/deno.json`, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(child.success, new TextDecoder().decode(child.stderr));
  assert.equal(new TextDecoder().decode(child.stdout).trim(), String(MAX_WASM_THREADS));
});

Deno.test("reproduce, bench and notebooks take --threads, default to SIAMESE_THREADS or every core", () => {
  withThreadsEnv(undefined, () => {
    assert.equal(parseReproduceArgs([]).threads, DEFAULT);
    assert.equal(parseBenchArgs([]).threads, DEFAULT);
    assert.equal(parseNotebookArgs([]).threads, DEFAULT);
  });
  withThreadsEnv("1", () => {
    assert.equal(parseReproduceArgs([]).threads, 1);
    assert.equal(parseReproduceArgs(["--threads", "2"]).threads, 2);
    assert.equal(parseBenchArgs(["--threads", "2"]).threads, 2);
    assert.equal(parseBenchArgs(["--wasm-threads", "2"]).threads, 2, "the older bench name");
    assert.equal(parseNotebookArgs(["--threads", "2"]).threads, 2);
  });
  withThreadsEnv("zero", () => {
    assert.throws(
      () => parseReproduceArgs([]),
      (e) => e instanceof UsageError && /SIAMESE_THREADS/.test(e.message),
    );
  });
  assert.throws(() => parseReproduceArgs(["--threads", "0"]), UsageError);
  assert.throws(() => parseBenchArgs(["--threads", "x"]), /--threads must be a positive integer/);
  assert.throws(() => parseNotebookArgs(["--threads", "-2"]), /--threads/);
});

Deno.test({
  name: "reproduce trains on the threaded wasm build with --threads 2 and records 2 in run.json",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const out = `${tempDir()}/quick`;
    const child = await new Deno.Command(Deno.execPath(), {
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
        "--profile",
        "quick",
        "--only",
        "baseline",
        "--backend",
        "wasm",
        "--threads",
        "2",
        "--out",
        out,
      ],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", SIAMESE_QUIET: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(child.stderr);
    assert.equal(child.code, 0, stderr);
    assert.match(stderr, /backend wasm \(2 threads\)/);
    const run = JSON.parse(Deno.readTextFileSync(`${out}/run.json`));
    assert.equal(run.threads, 2);
    assert.equal(run.backend, "wasm");
  },
});
