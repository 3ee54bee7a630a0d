import assert from "node:assert/strict";
import { checkOrExit, exitOnDataError } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { DataError } from "../lib/data/errors.ts";

Deno.test("exitOnDataError: the body's code, 2 with the message for bad data, other errors rethrown", async () => {
  const messages: string[] = [];
  const original = console.error;
  console.error = (m: string) => messages.push(m);
  try {
    assert.equal(await exitOnDataError(() => Promise.resolve(7)), 7);
    assert.equal(
      await exitOnDataError(() => Promise.reject(new DataError("zip truncated; fetch it again"))),
      2,
    );
    assert.deepEqual(messages, ["error: zip truncated; fetch it again"]);
    await assert.rejects(exitOnDataError(() => Promise.reject(new TypeError("bug"))), TypeError);
  } finally {
    console.error = original;
  }
});

Deno.test("checkOrExit: the check's value, exit 2 on a refused error, other errors propagate", async () => {
  const original = console.error;
  const messages: string[] = [];
  console.error = (m: string) => messages.push(m);
  try {
    await checks();
  } finally {
    console.error = original;
  }
  assert.deepEqual(messages, ["error: --out x: a file", "error: no backend"]);
});

async function checks() {
  assert.deepEqual(await checkOrExit(() => Promise.resolve(7)), { value: 7 });
  const refused = await checkOrExit(() => Promise.reject(new UsageError("--out x: a file")));
  assert.deepEqual(refused, { exit: 2 });
  await assert.rejects(() => checkOrExit(() => Promise.reject(new TypeError("bug"))), TypeError);
  assert.deepEqual(
    await checkOrExit(() => Promise.reject(new Error("no backend")), () => true),
    { exit: 2 },
  );
}
