import assert from "node:assert/strict";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { tempDir } from "../helpers.ts";

/**
 * Run checkOutDir in a process that, like `deno task reproduce`, may write only `results/`
 * below its working directory.
 */
async function checkAs(cwd: string, out: string) {
  const script = `${cwd}/check.ts`;
  Deno.writeTextFileSync(
    script,
    `import { checkOutDir } from "${REPO_ROOT}/lib/report/out_dir.ts";\n` +
      `console.log(await checkOutDir(${JSON.stringify(out)}));\n`,
  );
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", `--allow-write=${cwd}/results`, script],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: r.code, stdout: text.decode(r.stdout), stderr: text.decode(r.stderr) };
}

Deno.test("a clean clone without results/ accepts the default --out (results/<profile>)", async () => {
  // The first check probed the repository folder itself, which the task may not write, so
  // `deno task reproduce` on a fresh clone exited 2 with "cannot write in <repo>".
  const repo = tempDir();
  const r = await checkAs(repo, "results/quick");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${repo}/results/quick`);
  assert.ok(Deno.statSync(`${repo}/results`).isDirectory);
  assert.deepEqual([...Deno.readDirSync(`${repo}/results`)], [], "the probe leaves nothing");
});

Deno.test("a folder beside results/ is still refused as outside what the task may write", async () => {
  const repo = tempDir();
  const r = await checkAs(repo, "elsewhere/quick");
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /outside the folders this task may write/);
});
