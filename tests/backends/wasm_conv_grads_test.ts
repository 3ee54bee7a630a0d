import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
} from "../../lib/backends/wasm_conv_grads.ts";
import { registerWasmTrainingKernels } from "../../lib/backends/wasm_training_kernels.ts";
import { selectBackend } from "../../lib/backends/select.ts";
import { liveCounts, relativeError, runOn, uniformValues } from "./compare.ts";

type Pad = "valid" | "same" | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

interface Case {
  what: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  {
    what: "stride 1, valid padding",
    x: [2, 9, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 1,
    pad: "valid",
  },
  {
    what: "stride 1, same padding, even filter",
    x: [2, 8, 7, 2],
    filter: [4, 4, 2, 3],
    strides: 1,
    pad: "same",
  },
  {
    what: "stride 2, valid padding",
    x: [2, 11, 9, 3],
    filter: [3, 3, 3, 5],
    strides: 2,
    pad: "valid",
  },
  {
    what: "stride 2, same padding",
    x: [2, 11, 9, 3],
    filter: [3, 3, 3, 5],
    strides: 2,
    pad: "same",
  },
  {
    what: "stride 3, valid padding, odd sizes",
    x: [3, 13, 11, 2],
    filter: [4, 5, 2, 3],
    strides: 3,
    pad: "valid",
  },
  {
    what: "stride 3, same padding, odd sizes",
    x: [3, 13, 11, 2],
    filter: [4, 5, 2, 3],
    strides: 3,
    pad: "same",
  },
  {
    what: "strides 2x3, same padding",
    x: [2, 12, 10, 4],
    filter: [3, 2, 4, 3],
    strides: [2, 3],
    pad: "same",
  },
  {
    what: "a 10x10 filter on one channel (the paper's first layer)",
    x: [2, 25, 25, 1],
    filter: [10, 10, 1, 6],
    strides: 1,
    pad: "valid",
  },
  {
    what: "one channel, 3x3, valid (the towers' first layer: the matrix-product path)",
    x: [5, 13, 12, 1],
    filter: [3, 3, 1, 7],
    strides: 1,
    pad: "valid",
  },
  {
    what: "one channel, same padding (the correlation path)",
    x: [2, 9, 8, 1],
    filter: [3, 3, 1, 4],
    strides: 1,
    pad: "same",
  },
  {
    what: "a 10x10 filter, stride 2, same padding",
    x: [1, 23, 21, 2],
    filter: [10, 10, 2, 4],
    strides: 2,
    pad: "same",
  },
  {
    what: "16 input and 32 output channels",
    x: [2, 10, 10, 16],
    filter: [3, 3, 16, 32],
    strides: 1,
    pad: "valid",
  },
  { what: "a batch of one", x: [1, 7, 7, 5], filter: [2, 2, 5, 7], strides: 1, pad: "same" },
  {
    what: "explicit asymmetric padding",
    x: [2, 8, 9, 2],
    filter: [3, 3, 2, 3],
    strides: 1,
    pad: [[0, 0], [1, 2], [0, 3], [0, 0]],
  },
  {
    what: "padding wider than the filter (stock input-gradient path)",
    x: [2, 6, 6, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: [[0, 0], [4, 1], [3, 0], [0, 0]],
  },
];

/** Forward output and both gradients of sum(conv(x, w) * r) for a fixed random r. */
function convAndGrads(c: Case): () => tf.Tensor[] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return () => {
    const x = tf.tensor4d(uniformValues(size(c.x), `x${c.what}`), c.x);
    const w = tf.tensor4d(uniformValues(size(c.filter), `w${c.what}`), c.filter);
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const r = tf.tensor(uniformValues(y.size, `r${c.what}`), y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r));
    const [dx, dw] = tf.grads(f)([x, w]);
    return [y, dx, dw];
  };
}

for (const c of CASES) {
  Deno.test(`wasm Conv2D gradients match cpu for ${c.what}`, async () => {
    const expected = await runOn("cpu", convAndGrads(c));
    const actual = await runOn("wasm", convAndGrads(c));
    const names = ["output", "input gradient", "filter gradient"];
    for (let i = 0; i < 3; i++) {
      const err = relativeError(actual[i], expected[i]);
      assert(err < 1e-4, `${names[i]}: relative error ${err.toExponential(2)}`);
    }
  });
}

Deno.test("the wasm conv gradient kernels replace the stock ones and registering twice is harmless", async () => {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...a: unknown[]) => void warnings.push(a.join(" "));
  try {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, []);
  await selectBackend("wasm");
  assert.deepEqual(
    tf.getKernel("Conv2DBackpropInput", "wasm")?.kernelFunc,
    conv2DBackpropInputWasmConfig.kernelFunc,
  );
  assert.deepEqual(
    tf.getKernel("Conv2DBackpropFilter", "wasm")?.kernelFunc,
    conv2DBackpropFilterWasmConfig.kernelFunc,
  );
});

Deno.test("wasm conv gradient kernels and tf.grads leave no tensors or wasm buffers behind", async () => {
  await selectBackend("wasm");
  const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const before = liveCounts();
  for (
    const [strides, pad] of [[1, "valid"], [2, "same"], [2, [[0, 0], [4, 1], [3, 0], [
      0,
      0,
    ]]]] as const
  ) {
    const y = tf.conv2d(x, w, strides, pad as Pad);
    const dy = tf.onesLike(y);
    const attrs = { strides, pad, dataFormat: "NHWC" };
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      ...attrs,
      filterShape: w.shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
      ...attrs,
      inputShape: x.shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.deepEqual(dw.shape, w.shape);
    assert.deepEqual(dx.shape, x.shape);
    tf.dispose([y, dy, dw, dx]);
  }
  assert.deepEqual(liveCounts(), before);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")))
  )([x, w]);
  tf.dispose(grads);
  assert.deepEqual(liveCounts(), before);
  tf.dispose([x, w]);
});

Deno.test("dilated convolutions have no gradient in tfjs-core, on wasm as on cpu", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    const x = tf.ones([1, 7, 7, 1]) as tf.Tensor4D;
    const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
    assert.throws(
      () =>
        tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, "valid", "NHWC", 2)))(w),
      /dilation/,
    );
    tf.dispose([x, w]);
  }
});
