import assert from "node:assert/strict";
import { CollapseMonitor } from "../../lib/training/collapse.ts";

/** n x n matrix with `value` off the diagonal, plus `jitter` on entry (0, 1) and (1, 0). */
function matrix(n: number, value: number, jitter = 0): Float32Array {
  const d = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) d[i * n + j] = value;
  d[1] += jitter;
  d[n] += jitter;
  return d;
}

Deno.test("equal distances with the loss at the margin are a collapse; it becomes persistent after `patience` steps", () => {
  const monitor = new CollapseMonitor({ margin: 0.2, patience: 3 });
  const collapsed = { loss: 0.2, distances: matrix(4, 0) };
  assert.deepEqual(
    [1, 2, 3].map((s) => monitor.observe(s, collapsed)).map((
      s,
    ) => [s.collapsed, s.persistent, s.streak]),
    [[true, false, 1], [true, false, 2], [true, true, 3]],
  );
  assert.deepEqual(monitor.record, {
    firstStep: 1,
    lastStep: 3,
    longestStreak: 3,
    persistent: true,
    loss: 0.2,
    spread: 0,
  });
});

Deno.test("spread-out distances are not a collapse, even with the loss at the margin", () => {
  const monitor = new CollapseMonitor({ margin: 0.2 });
  const status = monitor.observe(1, { loss: 0.2, distances: matrix(4, 1, 0.5) });
  assert.equal(status.collapsed, false);
  assert.ok(Math.abs(status.spread - 0.5) < 1e-6);
  assert.equal(monitor.record, undefined);
});

Deno.test("equal distances with the loss far from the margin are not a collapse", () => {
  const monitor = new CollapseMonitor({ margin: 0.2 });
  assert.equal(monitor.observe(1, { loss: 0.05, distances: matrix(4, 1) }).collapsed, false);
});

Deno.test("a healthy step resets the streak; the record keeps the longest", () => {
  const monitor = new CollapseMonitor({ margin: 0.2, patience: 5 });
  const bad = { loss: 0.2, distances: matrix(3, 0.4) };
  monitor.observe(1, bad);
  monitor.observe(2, bad);
  assert.equal(monitor.observe(3, { loss: 0.1, distances: matrix(3, 1, 0.5) }).streak, 0);
  monitor.observe(4, bad);
  assert.deepEqual(monitor.record, {
    firstStep: 4,
    lastStep: 4,
    longestStreak: 2,
    persistent: false,
    loss: 0.2,
    spread: 0,
  });
});

Deno.test("the monitor rejects a matrix that is not square", () => {
  assert.throws(
    () =>
      new CollapseMonitor({ margin: 0.2 }).observe(1, { loss: 0, distances: new Float32Array(5) }),
    /\[n, n\]/,
  );
  assert.throws(() => new CollapseMonitor({ margin: 0 }), /margin must be positive/);
});
