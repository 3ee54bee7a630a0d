import assert from "node:assert/strict";
import { removeStaleTemps, writeFileAtomic } from "../../lib/data/files.ts";
import { tempDir } from "../helpers.ts";

Deno.test("temp files a killed run left are removed; fresh ones and other files are kept", async () => {
  const dir = tempDir();
  Deno.mkdirSync(`${dir}/models/siamese`, { recursive: true });
  const hourAgo = new Date(Date.now() - 3600_000);
  const stale = [
    `${dir}/one_shot.csv.tmp-4242-0123abcd`,
    `${dir}/models/siamese/w.bin.tmp-7-89abcdef`,
  ];
  for (const p of stale) {
    Deno.writeTextFileSync(p, "half");
    Deno.utimeSync(p, hourAgo, hourAgo);
  }
  const fresh = `${dir}/run.json.tmp-4243-0123abcd`; // a write in progress elsewhere
  Deno.writeTextFileSync(fresh, "half");
  const mine = `${dir}/report.md.tmp-${Deno.pid}-0123abcd`;
  Deno.writeTextFileSync(mine, "half");
  Deno.utimeSync(mine, hourAgo, hourAgo);
  await writeFileAtomic(`${dir}/one_shot.csv`, "kept");
  Deno.utimeSync(`${dir}/one_shot.csv`, hourAgo, hourAgo);
  assert.deepEqual((await removeStaleTemps(dir)).sort(), stale.sort());
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(
    left,
    [
      "models",
      "one_shot.csv",
      "report.md.tmp-" + Deno.pid + "-0123abcd",
      "run.json.tmp-4243-0123abcd",
    ].sort(),
  );
});
