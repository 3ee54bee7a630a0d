import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
} from "../../lib/backends/wasm_batch_norm.ts";
import { setSimdKernelsEnabled, simdKernels } from "../../lib/backends/simd/simd_kernels.ts";
import { assembleKernels } from "../../scripts/build_simd_kernels.ts";
import { decodeBase64 } from "../../lib/backends/simd/base64.ts";
import { SHARED, UNSHARED } from "../../lib/backends/simd/kernels_wasm.ts";
import { uniformValues } from "./compare.ts";
import { swapFirstAndLast } from "../../lib/backends/wasm_transpose.ts";

const WAT = new URL("../../lib/backends/simd/kernels.wat", import.meta.url);

Deno.test("kernels_wasm.ts holds what `deno task build-kernels` makes of kernels.wat", async () => {
  const bytes = await assembleKernels(await Deno.readTextFile(WAT));
  const message = "kernels.wat changed: run `deno task build-kernels`";
  assert.deepEqual(decodeBase64(SHARED), bytes.shared, message);
  assert.deepEqual(decodeBase64(UNSHARED), bytes.unshared, message);
});

/** Runs `f` with the SIMD kernels on and off; returns both results as plain arrays. */
function simdAndJs(f: () => tf.Tensor[]): { simd: Float32Array[]; js: Float32Array[] } {
  const run = (enabled: boolean) => {
    setSimdKernelsEnabled(enabled);
    try {
      // Freed memory full of non-zeros, which the outputs may reuse.
      tf.dispose(tf.sqrt(tf.add(tf.range(0, 2e5), 1)));
      return tf.tidy(f).map((t) => {
        const a = t.dataSync() as Float32Array;
        t.dispose();
        return a;
      });
    } finally {
      setSimdKernelsEnabled(true);
    }
  };
  return { simd: run(true), js: run(false) };
}

function assertSameBits(a: Float32Array[], b: Float32Array[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => {
    const bits = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);
    const [u, v] = [bits(x), bits(b[i])];
    assert.equal(u.length, v.length, `${what}, output ${i}: length`);
    // The first difference only: a diff of whole activations takes minutes to print.
    const at = u.findIndex((bit, k) => bit !== v[k]);
    assert.equal(at, -1, `${what}, output ${i}: element ${at} is ${x[at]}, expected ${b[i][at]}`);
  });
}

Deno.test("wasm: the SIMD kernels start on the backend's memory", async () => {
  await selectBackend("wasm", () => {}, { wasmThreads: 1 });
  assert.ok(simdKernels(tf.backend() as BackendWasm) != null);
});

for (const shape of [[3, 13, 11, 8], [2, 8, 8, 4], [64, 14, 14, 64]] as const) {
  Deno.test(`wasm: the SIMD MaxPoolGrad equals the JS one bit for bit on [${shape}]`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    const n = shape.reduce((a, b) => a * b, 1);
    const { simd, js } = simdAndJs(() => {
      // ReLU's zeros make ties everywhere; the odd sides leave rows and columns no window reaches.
      const x = tf.relu(tf.tensor4d(uniformValues(n, `pool${shape}`), [...shape]));
      const pooled = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, "valid");
      const r = tf.tensor(uniformValues(pooled(x).size, `r${shape}`), pooled(x).shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pooled(t), r)))(x)];
    });
    assertSameBits(simd, js, "MaxPoolGrad");
  });
}

for (const shape of [[5, 7, 7, 12], [64, 5, 5, 64], [9, 16]] as const) {
  Deno.test(`wasm: the SIMD batch-norm kernels equal the JS ones bit for bit on [${shape}]`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    const n = shape.reduce((a, b) => a * b, 1);
    const c = shape.at(-1)!;
    const { simd, js } = simdAndJs(() => {
      const x = tf.tensor(uniformValues(n, `bn${shape}`).map((v) => 4 * v + 1), [...shape]);
      const gamma = tf.tensor1d(uniformValues(c, "g").map((v) => 1 + v / 2));
      const beta = tf.tensor1d(uniformValues(c, "b"));
      const attrs = { epsilon: 1e-3 } as unknown as tf.NamedAttrMap;
      const [y, mean, variance] = tf.engine().runKernel(
        BATCH_NORM_TRAINING,
        { x, gamma, beta },
        attrs,
      ) as tf.Tensor[];
      const dy = tf.tensor(uniformValues(n, `dy${shape}`), [...shape]);
      const grads = tf.engine().runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy, x, gamma, mean, variance },
        attrs,
      ) as tf.Tensor[];
      return [y, mean, variance, ...grads];
    });
    assertSameBits(simd, js, "batch norm");
  });
}

for (const shape of [[8, 5, 3, 12], [64, 7, 7, 64], [4, 8], [12, 9, 4], [6, 4, 4, 8]]) {
  Deno.test(`wasm: swapFirstAndLast equals tfjs's Transpose bit for bit on [${shape}]`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    const backend = tf.backend() as BackendWasm;
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(uniformValues(n, `swap${shape}`), shape);
    // Freed memory full of non-zeros, which the output may reuse.
    tf.dispose(tf.sqrt(tf.add(tf.range(0, 2e5), 1)));
    const info = swapFirstAndLast(backend, { dataId: x.dataId, shape: x.shape, dtype: "float32" });
    const swapped = tf.engine().makeTensorFromTensorInfo(info);
    const perm = shape.map((_, i) => i === 0 ? shape.length - 1 : i === shape.length - 1 ? 0 : i);
    const expected = tf.transpose(x, perm);
    assert.deepEqual(swapped.shape, expected.shape);
    assertSameBits(
      [swapped.dataSync() as Float32Array],
      [expected.dataSync() as Float32Array],
      "swap",
    );
    tf.dispose([x, swapped, expected]);
  });
}

for (
  const [shape, axis] of [[[64, 9, 9, 32], [0, 1, 2]], [[7, 12], 0], [[5, 3, 8], [0, 1]]] as const
) {
  Deno.test(`wasm: the SIMD leading-axis Sum and Mean equal the JS ones bit for bit on [${shape}]`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    const n = shape.reduce((a, b) => a * b, 1);
    const { simd, js } = simdAndJs(() => {
      const x = tf.tensor(uniformValues(n, `sum${shape}`).map((v) => 3 * v + 1), [...shape]);
      return [tf.sum(x, [...[axis].flat()]), tf.mean(x, [...[axis].flat()], true)];
    });
    assertSameBits(simd, js, "Sum, Mean");
  });
}

for (
  const [xShape, kernel, co] of [
    [[64, 35, 35, 1], 3, 32],
    [[3, 9, 12, 1], 4, 36],
    [[2, 11, 11, 1], 10, 4],
  ] as const
) {
  Deno.test(`wasm: the SIMD one-channel filter gradient equals the matrix product bit for bit on [${xShape}], ${kernel}x${kernel}x${co}`, async () => {
    await selectBackend("wasm", () => {}, { wasmThreads: 1 });
    const [b, h, w] = xShape;
    const dyShape = [b, h - kernel + 1, w - kernel + 1, co];
    const { simd, js } = simdAndJs(() => {
      const x = tf.tensor(uniformValues(b * h * w, `x1${xShape}`), [...xShape]);
      // Negative and positive terms: rounding in another order would show.
      const dy = tf.tensor(
        uniformValues(dyShape.reduce((p, q) => p * q, 1), `dy1${xShape}`).map((v) => v - 0.5),
        dyShape,
      );
      return [
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          strides: [1, 1],
          pad: "valid",
          dataFormat: "NHWC",
          filterShape: [kernel, kernel, 1, co],
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      ];
    });
    assertSameBits(simd, js, "Conv2DBackpropFilter");
  });
}
