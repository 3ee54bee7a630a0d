import assert from "node:assert/strict";
import {
  type AdapterReport,
  gpuBackend,
  noAdapterDetail,
  noGpuLine,
  runTaskBounded,
} from "../../scripts/gpu_check.ts";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { runTask, taskPermissions, tempDir } from "../helpers.ts";

const LLVMPIPE: AdapterReport = {
  api: "webgpu",
  found: true,
  detail: "llvmpipe (LLVM 15.0.6, 256 bits)",
  software: true,
};
const NO_CUDA: AdapterReport = { api: "tfjs-node-gpu", found: false, detail: "not installed" };

Deno.test("a software WebGPU adapter is not a GPU; a real adapter or CUDA is, CUDA first", () => {
  assert.equal(gpuBackend([LLVMPIPE, NO_CUDA]), undefined);
  assert.equal(
    gpuBackend([{ ...LLVMPIPE, software: false, detail: "NVIDIA H200" }, NO_CUDA]),
    "webgpu",
  );
  const cuda = { api: "tfjs-node-gpu", found: true, detail: "CUDA" } as const;
  assert.equal(gpuBackend([{ ...LLVMPIPE, software: false }, cuda]), "tensorflow-gpu");
  assert.equal(
    noGpuLine([LLVMPIPE, NO_CUDA]),
    "no GPU here: webgpu: only a software adapter (llvmpipe (LLVM 15.0.6, 256 bits)); " +
      "tfjs-node-gpu: not installed",
  );
});

Deno.test("no WebGPU adapter on Linux names the Vulkan loader and libglvnd, which an H200 host lacked", () => {
  assert.match(
    noAdapterDetail("linux"),
    /^requestAdapter\(\) returned no adapter \(.*libvulkan1.*libglx0/,
  );
  assert.equal(noAdapterDetail("darwin"), "requestAdapter() returned no adapter");
});

Deno.test("gpu-check without a GPU says why in one line, exits 2 and writes nothing", async () => {
  const out = `${tempDir()}/gpu-check`;
  const child = await runTask("gpu-check", ["--out", out]);
  const stderr = child.stderr.trim();
  if (child.code !== 2 && !stderr.includes("no GPU here")) {
    console.warn("gpu-check_test: this machine has a GPU; the no-GPU path is not checked");
    return;
  }
  assert.equal(child.code, 2, stderr);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /^error: no GPU here: webgpu: .+; tfjs-node-gpu: .+/);
  assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
});

Deno.test("with gpu-check's own permissions it starts bench and reproduce as their tasks, LD_LIBRARY_PATH set", async () => {
  // A script run with exactly gpu-check's permissions (deno.json) starts both children the way
  // gpu-check does; their --help proves they ran, with their own tasks' permissions.
  const script = `${tempDir()}/children.ts`;
  const module = new URL("../../scripts/gpu_check.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { runTaskBounded } from "${module}";\n` +
      `for (const task of ["bench", "reproduce"]) {\n` +
      `  const run = await runTaskBounded(task, ["--help"], 60);\n` +
      `  console.log(JSON.stringify({ task, code: run.code, help: run.text.includes("deno task " + task) }));\n` +
      `}\n`,
  );
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", `${REPO_ROOT}/deno.json`, ...taskPermissions("gpu-check"), script],
    cwd: REPO_ROOT,
    env: { LD_LIBRARY_PATH: "/nonexistent/lib64" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(child.code, 0, text.decode(child.stderr));
  assert.deepEqual(
    text.decode(child.stdout).trim().split("\n").map((l) => JSON.parse(l)),
    [{ task: "bench", code: 0, help: true }, { task: "reproduce", code: 0, help: true }],
  );
  // Full --allow-run, so that LD_LIBRARY_PATH (set above, as CUDA machines set it) reaches the
  // children: with --allow-run=deno Deno refused to start them (seen on an H200 host).
  assert.ok(taskPermissions("gpu-check").includes("--allow-run"));
});

Deno.test("a bounded child is stopped at its budget, or as soon as its work is done", async () => {
  const out = `${tempDir()}/quick`;
  const args = ["--profile", "quick", "--threads", "1", "--out", out];
  const budget = await runTaskBounded("reproduce", args, 1);
  assert.equal(budget.code, null);
  assert.equal(budget.stopped, "its 1 s budget ran out");
  assert.ok(budget.seconds < 10, `${budget.seconds} s`);
  const done = await runTaskBounded("reproduce", args, 600, () => true);
  assert.equal(done.stopped, "done");
  assert.ok(done.seconds < 10, `${done.seconds} s`);
});
