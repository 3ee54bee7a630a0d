import assert from "node:assert/strict";
import { REPO_ROOT } from "../../lib/data/paths.ts";

/** Run `deno task mnist-ink`'s script with the task's permissions; returns code and stderr. */
async function mnistInk(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write=data,/tmp",
      "--allow-env",
      "--allow-run",
      "--allow-ffi",
      "--allow-sys",
      "scripts/mnist_ink.ts",
      ...args,
    ],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("mnist-ink: a bad profile, seed count or flag exits 2 naming it, before loading anything", async () => {
  for (
    const [args, message] of [
      [["--profile", "huge"], /unknown profile "huge"/],
      [["--seeds", "0"], /--seeds must be a positive integer, got 0/],
      [["--epochs", "3"], /epochs/],
    ] as const
  ) {
    const r = await mnistInk([...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
