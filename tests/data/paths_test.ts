import assert from "node:assert/strict";
import { omniglotDir, REPO_ROOT } from "../../lib/data/paths.ts";

/** Runs `f` with these environment variables set (undefined: unset), then restores them. */
function withEnv(vars: Record<string, string | undefined>, f: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  };
  apply(vars);
  try {
    f();
  } finally {
    apply(saved);
  }
}

Deno.test("a relative OMNIGLOT_DIR is taken from where the command was typed, not from the kernel's folder", () => {
  withEnv({ OMNIGLOT_DIR: "../shared/omniglot", INIT_CWD: "/home/me/work/repo" }, () => {
    assert.deepEqual(omniglotDir(), { dir: "/home/me/work/shared/omniglot", fromEnv: true });
  });
  withEnv({ OMNIGLOT_DIR: "omni", INIT_CWD: undefined }, () => {
    assert.deepEqual(omniglotDir(), { dir: `${Deno.cwd()}/omni`, fromEnv: true });
  });
  withEnv({ OMNIGLOT_DIR: "/data/omniglot", INIT_CWD: "/elsewhere" }, () => {
    assert.deepEqual(omniglotDir(), { dir: "/data/omniglot", fromEnv: true });
  });
  withEnv({ OMNIGLOT_DIR: undefined }, () => {
    assert.deepEqual(omniglotDir(), { dir: `${REPO_ROOT}/data/omniglot`, fromEnv: false });
  });
});
