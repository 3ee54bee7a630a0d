import assert from "node:assert/strict";
import { formatSeconds, Progress } from "../../lib/report/progress.ts";

/** Lines a non-terminal bar prints while `drive` runs. */
function capture(drive: () => void): string[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    drive();
  } finally {
    console.error = original;
  }
  return lines;
}

Deno.test("off a terminal a bar prints at each 10% and once at the end", () => {
  let now = 0;
  const lines = capture(() => {
    const bar = new Progress({ label: "steps", total: 100, tty: false, now: () => now });
    for (let i = 0; i < 100; i++) {
      now += 10;
      bar.tick(1, `loss ${i}`);
    }
    bar.finish();
  });
  // Deciles 0 (first tick) through 10, then the final line.
  assert.equal(lines.length, 12);
  assert.match(lines[1], /^steps \[##\.+\] 10\/100 10% /);
  assert.match(lines.at(-1)!, /100\/100 100% 1\.0s {2}loss 99$/);
});

Deno.test("off a terminal a slow loop still prints a line every heartbeat", () => {
  let now = 0;
  const lines = capture(() => {
    const bar = new Progress({
      label: "train",
      total: 1000,
      tty: false,
      now: () => now,
      heartbeatSeconds: 30,
    });
    // 50 steps, 10 s each: never reaches 10%, 500 s of wall time.
    for (let i = 0; i < 50; i++) {
      now += 10_000;
      bar.tick();
    }
  });
  // The first tick, then one line per 30 s: 10 s, 40 s, 70 s, ... 490 s.
  assert.equal(lines.length, 17);
  assert.match(lines.at(-1)!, /^train \[#\.{23}\] 49\/1000 5% 8m10s eta /);
});

Deno.test("a quiet bar prints nothing", () => {
  const lines = capture(() => {
    const bar = new Progress({ label: "x", total: 3, tty: false, quiet: true });
    bar.tick(3);
    bar.finish();
  });
  assert.deepEqual(lines, []);
});

Deno.test("formatSeconds: seconds, minutes, hours", () => {
  assert.equal(formatSeconds(83.24), "1m23s");
  assert.equal(formatSeconds(12.34), "12.3s");
  assert.equal(formatSeconds(245), "4m05s");
  assert.equal(formatSeconds(3720), "1h02m");
  assert.equal(formatSeconds(NaN), "?");
});
