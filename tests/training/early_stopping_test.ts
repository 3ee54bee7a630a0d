import assert from "node:assert/strict";
import { EarlyStopping } from "../../lib/training/early_stopping.ts";

Deno.test("early stopping keeps the best weights and stops after `patience` validations without improvement", () => {
  const early = new EarlyStopping({ patience: 2 });
  let snapshots = 0;
  const snap = (v: number) => () => {
    snapshots++;
    return [Float32Array.of(v)];
  };
  assert.equal(early.update(10, 50, snap(1)), true);
  assert.equal(early.update(20, 60, snap(2)), true);
  assert.equal(early.update(30, 60, snap(3)), false); // equal is not better
  assert.equal(early.shouldStop, false);
  assert.equal(early.update(40, 55, snap(4)), false);
  assert.equal(early.shouldStop, true);
  assert.equal(snapshots, 2);
  assert.equal(early.state.bestStep, 20);
  assert.equal(early.state.bestAccuracy, 60);
  assert.deepEqual(early.state.bestWeights, [Float32Array.of(2)]);
});
