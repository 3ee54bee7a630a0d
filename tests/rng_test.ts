import assert from "node:assert/strict";
import { Rng } from "../lib/rng.ts";

Deno.test("the same seed and name give the same stream", () => {
  const a = new Rng(7).fork("x"), b = new Rng(7).fork("x");
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
});

Deno.test("forks with different names are different streams", () => {
  const a = new Rng(7).fork("x"), b = new Rng(7).fork("y");
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  const sb = Array.from({ length: 8 }, () => b.nextUint32());
  assert.notDeepEqual(sa, sb);
});

Deno.test("uniform draws are roughly uniform and inside [0, 1)", () => {
  const r = new Rng(3);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]++;
  }
  for (const b of bins) assert.ok(Math.abs(b - 2000) < 200, `bin count ${b}`);
});

Deno.test("sample draws k distinct values and rejects k > n", () => {
  const r = new Rng(1);
  const s = r.sample(20, 20);
  assert.deepEqual([...s].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  assert.throws(() => r.sample(3, 4), RangeError);
});

Deno.test("normal draws have mean 0 and unit variance", () => {
  const r = new Rng(11);
  let s = 0, s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});
