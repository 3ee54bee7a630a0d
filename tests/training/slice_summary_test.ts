import assert from "node:assert/strict";
import {
  consoleLosses,
  describeSliceSummary,
  type SliceRecord,
  sliceSummary,
} from "../../lib/training/slice_summary.ts";

const FIXTURE = new URL("./fixtures/paper_slice/", import.meta.url);
const consoleText = Deno.readTextFileSync(new URL("console.txt", FIXTURE));
const record: SliceRecord = JSON.parse(Deno.readTextFileSync(new URL("siamese.json", FIXTURE)));

Deno.test("consoleLosses reads the single-step losses of one label's progress lines", () => {
  const losses = consoleLosses(consoleText, "siamese");
  assert.deepEqual(losses.slice(0, 2), [{ step: 1, loss: 0.72 }, { step: 2, loss: 0.685 }]);
  assert.deepEqual(losses.at(-1), { step: 85, loss: 0.617 });
  // The step-0 line (no loss), the final "best ..." line and the log lines are not losses.
  assert.equal(losses.length, 8);
  assert.deepEqual(consoleLosses(consoleText, "siamese table1 30000-plain"), []);
  const table1 = "siamese table1 30000-plain [##......] 7/75 9% 2.0s eta 20s  loss 0.5 30/s";
  assert.deepEqual(consoleLosses(`${consoleText}\n${table1}`, "siamese").length, 8);
});

Deno.test("a slice with one history point takes its losses from the console", () => {
  const s = sliceSummary({ record, console: consoleText, label: "siamese", wallSeconds: 4089 });
  assert.equal(s.steps, 85);
  assert.equal(s.stoppedBy, "time");
  assert.ok(Math.abs(s.stepsPerSecond - 85 / 3959.822000913) < 1e-12);
  assert.equal(s.lossSource, "console");
  assert.equal(s.firstLoss, 0.72);
  assert.equal(s.lastLoss, 0.617);
  assert.equal(s.lossFalling, true);
  assert.equal(s.validationAccuracy, 10);
  assert.equal(s.validations, 1);
  assert.equal(s.wallSeconds, 4089);
  assert.equal(
    describeSliceSummary(s),
    "85 steps (0.02/s, stopped by time), loss 0.720 -> 0.617 (falling, single steps), " +
      "validation 10.0% (1 validation), 4089 s wall",
  );
});

Deno.test("a slice with two history points compares their mean losses; a rising loss says so", () => {
  const history = [
    { step: 1000, loss: 0.5, accuracy: 40, seconds: 100 },
    { step: 1500, loss: 0.55, accuracy: 45, seconds: 150 },
  ];
  const s = sliceSummary({
    record: { training: { ...record.training, steps: 1500, seconds: 150 }, history },
    console: consoleText,
    label: "siamese",
    wallSeconds: 200,
  });
  assert.equal(s.lossSource, "history");
  assert.equal(s.firstLoss, 0.5);
  assert.equal(s.lastLoss, 0.55);
  assert.equal(s.lossFalling, false);
  assert.equal(s.stepsPerSecond, 10);
  assert.equal(s.validationAccuracy, 45);
  assert.equal(s.validations, 2);
  assert.match(describeSliceSummary(s), /NOT falling, means between validations/);
});

Deno.test("a slice stopped before its model was saved reports what its console showed", () => {
  const head = consoleText.split("\n").slice(0, 13).join("\n"); // up to step 2
  const s = sliceSummary({
    console: head,
    label: "siamese",
    wallSeconds: 120,
    stopped: "gpu-check's time budget",
  });
  assert.equal(s.steps, 2);
  assert.equal(s.stepsPerSecond, 2 / 120);
  assert.equal(s.stoppedBy, "gpu-check's time budget");
  assert.equal(s.lossFalling, true);
  assert.equal(s.validationAccuracy, null);
  const none = sliceSummary({ console: "", label: "siamese", wallSeconds: 60 });
  assert.equal(none.lossFalling, null);
  assert.equal(none.steps, 0);
  assert.match(describeSliceSummary(none), /fewer than two values seen.*no validation/);
});
