import assert from "node:assert/strict";
import { REPO_ROOT } from "../../lib/data/paths.ts";
import { runTask, tempDir } from "../helpers.ts";

/** Run `deno task protocol-gap` with the task's permissions; returns code and output. */
function protocolGap(args: string[]) {
  return runTask("protocol-gap", args);
}

Deno.test("protocol-gap: a bad flag, or a folder that is not a results folder, exits 2 naming it", async () => {
  const empty = tempDir("protocol-gap-");
  try {
    for (
      const [args, message] of [
        [["--repeats", "0"], /--repeats must be a positive integer, got 0/],
        [["--shared", "1.5"], /--shared must be a positive integer, got 1\.5/],
        [["--seeds", "3"], /seeds/],
        [["--results", empty], /--results .* has no readable run\.json/],
      ] as const
    ) {
      const r = await protocolGap([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  } finally {
    Deno.removeSync(empty, { recursive: true });
  }
});

const RUN = { profile: "quick", seed: 1, config: { evaluation: { imageSize: 35 } } };

Deno.test("protocol-gap: a results folder it may not write to is refused before any work", async () => {
  // .tmp/ (git-ignored) is neither results/, data/ nor /tmp: the task may not write there, and
  // neither may this test (the test task's writes are scoped too), so a subprocess makes it.
  const folder = `${REPO_ROOT}/.tmp/protocol-gap-${crypto.randomUUID().slice(0, 8)}`;
  const sh = (script: string) =>
    new Deno.Command("sh", { args: ["-c", script, "sh", folder, JSON.stringify(RUN)] }).output();
  await sh('mkdir -p "$1" && printf %s "$2" > "$1/run.json"');
  try {
    const r = await protocolGap(["--results", folder]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /may write only under results\/ and \/tmp, not .*protocol_gap\.md; copy/,
    );
    assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name), ["run.json"]);
  } finally {
    await sh('rm -rf "$1"');
  }
});

Deno.test("protocol-gap: a results folder without saved models exits 1 and writes nothing", async () => {
  const folder = tempDir("protocol-gap-");
  try {
    Deno.writeTextFileSync(`${folder}/run.json`, JSON.stringify(RUN));
    const r = await protocolGap(["--results", folder]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no saved model under .*\/models\//);
    assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name), ["run.json"]);
  } finally {
    Deno.removeSync(folder, { recursive: true });
  }
});
