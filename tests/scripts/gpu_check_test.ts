import assert from "node:assert/strict";
import { type AdapterReport, gpuBackend, noGpuLine } from "../../scripts/gpu_check.ts";
import { runTask, tempDir } from "../helpers.ts";

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
