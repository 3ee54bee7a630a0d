import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { identityWasmConfig } from "../../lib/backends/wasm_identity.ts";
import { liveCounts } from "./compare.ts";

Deno.test("wasm Identity shares its input's data and frees it with the last reference", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("Identity", "wasm")?.kernelFunc, identityWasmConfig.kernelFunc);
  const before = liveCounts();
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const y = tf.clone(x); // the Identity kernel
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  x.dispose();
  // The clone still reads its values after the original is gone.
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  y.dispose();
  assert.deepEqual(liveCounts(), before);
});

Deno.test("wasm Identity keeps string tensors working", async () => {
  await selectBackend("wasm");
  const s = tf.tensor1d(["a", "bc"], "string");
  const c = tf.clone(s);
  s.dispose();
  assert.deepEqual(c.dataSync(), ["a", "bc"]);
  c.dispose();
});

Deno.test("a variable made from a tensor is unaffected when that tensor is disposed, and assign leaves the source alone", async () => {
  await selectBackend("wasm");
  const x = tf.tensor1d([1, 2, 3]);
  const v = tf.variable(x);
  x.dispose();
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
  const w = tf.tensor1d([4, 5, 6]);
  const u = tf.variable(w);
  u.assign(tf.tensor1d([0, 0, 0]));
  assert.deepEqual(Array.from(w.dataSync()), [4, 5, 6]);
  tf.dispose([v, w, u]);
});
