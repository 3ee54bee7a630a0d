import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { transposeLastTwo } from "../../lib/backends/wasm_transpose.ts";
import { uniformValues } from "./compare.ts";

Deno.test("transposeLastTwo swaps the last two axes like tf.transpose, across block edges", async () => {
  await selectBackend("wasm");
  const backend = tf.backend() as unknown as BackendWasm;
  for (const shape of [[1, 1], [3, 1], [1, 5], [33, 70], [2, 31, 65], [2, 1, 3, 4]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(uniformValues(n, `t${shape}`), shape);
    const perm = shape.map((_, i) => i);
    [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2], perm[perm.length - 1]];
    const expected = tf.transpose(x, perm);
    const info = transposeLastTwo(backend, x);
    const actual = tf.engine().makeTensorFromTensorInfo(info);
    assert.deepEqual(actual.shape, expected.shape);
    assert.deepEqual(actual.dataSync(), expected.dataSync());
    tf.dispose([x, expected, actual]);
  }
});
