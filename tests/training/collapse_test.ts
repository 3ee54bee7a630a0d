import assert from "node:assert/strict";
import { squaredL2 } from "../../lib/distances/squared_l2.ts";
import { SoftMarginLoss } from "../../lib/losses/soft_margin.ts";
import { TripletMarginLoss } from "../../lib/losses/triplet_margin.ts";
import { CollapseMonitor } from "../../lib/training/collapse.ts";

const margin02 = new TripletMarginLoss({ distance: squaredL2, margin: 0.2 });

/** n x n matrix with `value` off the diagonal, plus `jitter` on entry (0, 1) and (1, 0). */
function matrix(n: number, value: number, jitter = 0): Float32Array {
  const d = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) d[i * n + j] = value;
  d[1] += jitter;
  d[n] += jitter;
  return d;
}

Deno.test("equal distances with the loss at the margin are a collapse; it becomes persistent after `patience` steps", () => {
  const monitor = new CollapseMonitor({ loss: margin02, patience: 3 });
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
  const monitor = new CollapseMonitor({ loss: margin02 });
  const status = monitor.observe(1, { loss: 0.2, distances: matrix(4, 1, 0.5) });
  assert.equal(status.collapsed, false);
  assert.ok(Math.abs(status.spread - 0.5) < 1e-6);
  assert.equal(monitor.record, undefined);
});

Deno.test("equal distances with the loss far from the margin are not a collapse", () => {
  const monitor = new CollapseMonitor({ loss: margin02 });
  assert.equal(monitor.observe(1, { loss: 0.05, distances: matrix(4, 1) }).collapsed, false);
});

Deno.test("a healthy step resets the streak; the record keeps the longest", () => {
  const monitor = new CollapseMonitor({ loss: margin02, patience: 5 });
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
      new CollapseMonitor({ loss: margin02 }).observe(1, {
        loss: 0,
        distances: new Float32Array(5),
      }),
    /\[n, n\]/,
  );
  assert.throws(
    () => new CollapseMonitor({ loss: { collapsedLoss: 0 } }),
    /collapsed value must be positive/,
  );
});

Deno.test("a soft-margin collapse is seen at ln 2, not at the margin the config also carries", () => {
  // softplus(d(a,p) - d(a,n)) at equal distances is ln 2 = 0.693, whatever alpha is; a
  // monitor comparing with alpha = 0.2 never fired for this loss.
  const loss = new SoftMarginLoss({ distance: squaredL2 });
  assert.equal(loss.collapsedLoss, Math.LN2);
  const monitor = new CollapseMonitor({ loss, patience: 2 });
  const collapsed = { loss: Math.LN2, distances: matrix(4, 0.5) };
  assert.equal(monitor.observe(1, collapsed).collapsed, true);
  assert.equal(monitor.observe(2, collapsed).persistent, true);
  assert.equal(monitor.observe(3, { loss: 0.2, distances: matrix(4, 0.5) }).collapsed, false);
});
