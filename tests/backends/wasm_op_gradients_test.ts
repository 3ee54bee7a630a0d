import assert from "node:assert/strict";
import { relativeError, runOn } from "./compare.ts";
import { allOpGrads } from "../../lib/backends/grad_checks.ts";

Deno.test("gradients of every op the models and losses use match cpu on wasm", async () => {
  const expected = await runOn("cpu", allOpGrads);
  const actual = await runOn("wasm", allOpGrads);
  const names = ["loss", "d/da", "d/db", "d/dimg"];
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(actual[i], expected[i]);
    assert.ok(err < 1e-4, `${names[i]}: relative error ${err.toExponential(2)}`);
  }
});
