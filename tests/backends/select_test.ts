import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  BACKEND_NAMES,
  BACKEND_REQUESTS,
  BackendError,
  isBackendRequest,
  selectBackend,
} from "../../lib/backends/select.ts";

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

Deno.test("auto picks the first backend that starts and logs why each earlier one was skipped", async () => {
  const lines: string[] = [];
  const chosen = await selectBackend("auto", (line) => lines.push(line));
  const order = BACKEND_NAMES.indexOf(chosen.name);
  assert.deepEqual(chosen.skipped.map((s) => s.name), BACKEND_NAMES.slice(0, order));
  for (const s of chosen.skipped) {
    assert.ok(s.reason.length > 10, `no reason for ${s.name}`);
    assert.ok(lines.some((l) => l.includes(`backend ${s.name} skipped: ${s.reason}`)));
  }
  const tfName = chosen.name === "tensorflow-gpu" ? "tensorflow" : chosen.name;
  assert.equal(tf.getBackend(), tfName);
  assert.ok(chosen.info.length > 0);
});

Deno.test("auto never settles for a software WebGPU adapter or a missing tfjs-node", async () => {
  const chosen = await selectBackend("auto");
  if (!installed("@tensorflow/tfjs-node")) assert.notEqual(chosen.name, "tensorflow");
  if (!installed("@tensorflow/tfjs-node-gpu")) assert.notEqual(chosen.name, "tensorflow-gpu");
  const webgpu = chosen.skipped.find((s) => s.name === "webgpu");
  if (webgpu) assert.match(webgpu.reason, /navigator\.gpu|adapter|software/);
});

Deno.test("wasm and cpu can be selected explicitly and become tf.getBackend()", async () => {
  for (const name of ["wasm", "cpu", "wasm"] as const) {
    const chosen = await selectBackend(name);
    assert.equal(chosen.name, name);
    assert.deepEqual(chosen.skipped, []);
    assert.equal(tf.getBackend(), name);
  }
});

Deno.test("an explicit backend that cannot start throws a BackendError that says why", async () => {
  if (installed("@tensorflow/tfjs-node")) return;
  await assert.rejects(selectBackend("tensorflow"), (err: unknown) => {
    assert.ok(err instanceof BackendError);
    assert.match(err.message, /backend tensorflow is not available: .*tfjs-node is not installed/);
    return true;
  });
});

Deno.test("an unknown backend name is a BackendError naming the choices", async () => {
  assert.equal(isBackendRequest("gpu"), false);
  assert.deepEqual(BACKEND_REQUESTS, ["auto", ...BACKEND_NAMES]);
  await assert.rejects(
    selectBackend("gpu" as "auto"),
    /unknown backend 'gpu'; expected auto or one of tensorflow-gpu, tensorflow, webgpu, wasm, cpu/,
  );
});
