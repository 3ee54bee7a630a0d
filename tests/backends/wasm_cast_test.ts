import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { castWasmConfig } from "../../lib/backends/wasm_cast.ts";
import { liveCounts, runOn } from "./compare.ts";

Deno.test("wasm Cast to the same dtype shares its input's data and frees it with the last reference", async () => {
  await selectBackend("wasm");
  assert.equal(tf.getKernel("Cast", "wasm")?.kernelFunc, castWasmConfig.kernelFunc);
  const backend = tf.backend() as BackendWasm;
  const before = liveCounts();
  const x = tf.tensor2d([1.5, -2, 0, 4, 5, 6], [2, 3]);
  const y = tf.cast(x, "float32");
  assert.equal(
    backend.getMemoryOffset(y.dataId),
    backend.getMemoryOffset(x.dataId),
    "no copy: the same bytes on the heap",
  );
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 0, 4, 5, 6]);
  y.dispose();
  assert.deepEqual(liveCounts(), before);
});

Deno.test("wasm Cast still converts when the dtype changes", async () => {
  await selectBackend("wasm");
  const x = tf.tensor1d([1.7, -2.2, 0, 3]);
  const i = tf.cast(x, "int32");
  assert.equal(i.dtype, "int32");
  assert.deepEqual(Array.from(i.dataSync()), [1, -2, 0, 3]);
  const back = tf.cast(i, "float32");
  assert.deepEqual(Array.from(back.dataSync()), [1, -2, 0, 3]);
  tf.dispose([x, i, back]);
});

Deno.test("wasm: the gradient of Relu (a same-dtype Cast inside) equals cpu's", async () => {
  const f = () => {
    const x = tf.tensor2d([-1, 0, 2, -3, 4, 0.5], [2, 3]);
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    return [tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy)];
  };
  const [cpu] = await runOn("cpu", f);
  const [wasm] = await runOn("wasm", f);
  assert.deepEqual(Array.from(wasm), Array.from(cpu));
  assert.deepEqual(Array.from(cpu), [0, 0, 3, 0, 5, 6]);
});
