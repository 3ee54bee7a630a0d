import assert from "node:assert/strict";
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "../../lib/training/checkpoint.ts";
import { tempDir } from "../helpers.ts";

const ckpt: Checkpoint = {
  step: 12,
  seconds: 3.5,
  configHash: "abc",
  weights: [Float32Array.of(1, 2, 3), Float32Array.of(-0.5)],
  optimizer: [Float32Array.of(0.25)],
  early: {
    bestStep: 10,
    bestAccuracy: 42.5,
    bad: 1,
    bestWeights: [Float32Array.of(4, 5, 6), Float32Array.of(7)],
  },
  history: [{ step: 10, loss: 0.5, accuracy: 42.5, seconds: 3 }],
};

Deno.test("a checkpoint survives encoding and decoding unchanged", () => {
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(ckpt)), ckpt);
  const fresh = {
    ...ckpt,
    early: { bestStep: -1, bestAccuracy: -Infinity, bad: 0, bestWeights: null },
  };
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(fresh)), fresh);
});

Deno.test("a truncated or foreign file is refused, not trusted", () => {
  const bytes = encodeCheckpoint(ckpt);
  assert.throws(
    () => decodeCheckpoint(bytes.subarray(0, bytes.length - 4)),
    /truncated or corrupt/,
  );
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode("hello world!")), /bad magic/);
});

Deno.test("a checkpoint of another configuration is not resumed; a missing one is null", async () => {
  const dir = tempDir();
  await saveCheckpoint(`${dir}/c.bin`, ckpt);
  assert.equal((await loadCheckpoint(`${dir}/c.bin`, "abc"))?.step, 12);
  assert.equal(await loadCheckpoint(`${dir}/c.bin`, "other"), null);
  assert.equal(await loadCheckpoint(`${dir}/none.bin`, "abc"), null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a same-size checkpoint with damaged weights fails its checksum", () => {
  const bytes = encodeCheckpoint(ckpt);
  const damaged = bytes.slice();
  damaged[damaged.length - 40] ^= 0x10; // inside the float arrays
  assert.equal(damaged.length, bytes.length);
  assert.throws(() => decodeCheckpoint(damaged), /fails its checksum/);
  const old = bytes.slice();
  old.set(new TextEncoder().encode("SIAMCKP1"), 0);
  assert.throws(() => decodeCheckpoint(old), /older version/);
});
