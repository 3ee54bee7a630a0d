import assert from "node:assert/strict";
import { relativeError, runOn } from "./compare.ts";
import { threadedFixture } from "./fixtures/threaded_fixture.ts";

Deno.test("the threaded wasm build starts under Deno with 2 threads and matches cpu", async () => {
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      new URL("./fixtures/threaded_conv_grads.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, stderr);
  const { info, simd, out } = JSON.parse(new TextDecoder().decode(child.stdout)) as {
    info: string;
    simd: boolean;
    out: number[][];
  };
  assert.match(info, /2 threads/);
  assert.ok(simd, "the SIMD kernels start on the threaded build's shared memory");
  const expected = await runOn("cpu", threadedFixture);
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(out[i], expected[i]);
    assert.ok(err < 1e-4, `result ${i}: relative error ${err.toExponential(2)}`);
  }
});
