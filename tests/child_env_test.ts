import assert from "node:assert/strict";
import { childEnv, isLoaderVariable } from "../lib/child_env.ts";
import { REPO_ROOT } from "../lib/data/paths.ts";

Deno.test("loader variables are LD_* and DYLD_*, nothing else", () => {
  for (const name of ["LD_LIBRARY_PATH", "LD_PRELOAD", "DYLD_LIBRARY_PATH"]) {
    assert.ok(isLoaderVariable(name), name);
  }
  for (const name of ["PATH", "OMNIGLOT_DIR", "OLD_LD", "CUDA_HOME"]) {
    assert.ok(!isLoaderVariable(name), name);
  }
});

Deno.test("under a full --allow-run (this test's) the environment passes unchanged", () => {
  assert.deepEqual(childEnv(), {});
});

Deno.test({
  name:
    "with LD_LIBRARY_PATH set, as on CUDA machines, a task allowed to run git alone still reads the commit",
  // Before child_env.ts Deno refused the spawn ("Requires --allow-run permissions to spawn
  // subprocess with LD_LIBRARY_PATH") and run.json's commit was silently null.
  fn: async () => {
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      await Deno.writeTextFile(
        script,
        `import { gitCommit } from "${REPO_ROOT}/lib/report/versions.ts";\n` +
          `console.log(JSON.stringify(await gitCommit()));\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          `--config=${REPO_ROOT}/deno.json`,
          "--allow-read",
          "--allow-env",
          "--allow-run=git",
          script,
        ],
        cwd: REPO_ROOT,
        env: { LD_LIBRARY_PATH: "/nonexistent/lib64", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.match(JSON.parse(text) ?? "", /^[0-9a-f]{12}(-dirty)?$/);
    } finally {
      await Deno.remove(script);
    }
  },
});
