import assert from "node:assert/strict";
import { exitOnDataError } from "../lib/cli.ts";
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
