import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { kernelMarkdown, profileKernels, summarizeKernels } from "../../bench/kernel_profile.ts";
import { parseBenchArgs } from "../../scripts/bench.ts";

Deno.test("bench --kernels is a flag, off by default", () => {
  assert.equal(parseBenchArgs([]).kernels, false);
  assert.equal(parseBenchArgs(["--kernels"]).kernels, true);
});

Deno.test("kernel profile: per-step means, most expensive first, the rest in one row, time outside", () => {
  const profile = summarizeKernels(
    new Map([
      ["Multiply", { calls: 20, ms: 4 }],
      ["Conv2D", { calls: 6, ms: 30 }],
      ["Relu", { calls: 4, ms: 2 }],
    ]),
    2,
  );
  assert.deepEqual(profile.kernels.map((k) => k.kernel), ["Conv2D", "Multiply", "Relu"]);
  assert.equal(profile.kernels[0].calls, 3);
  assert.equal(profile.kernels[0].ms, 15);
  assert.equal(profile.kernelMs, 18);
  assert.equal(profile.calls, 15);
  const md = kernelMarkdown("wasm: standard, train", profile, 24, 2);
  assert.match(md, /\| Conv2D \| 3 \| 15\.0 \| 63% \|/);
  assert.match(md, /\| 1 other kernels \| 2 \| 1\.0 \| 4% \|/);
  // 24 ms plain against 18 ms of kernels: 6 ms outside them.
  assert.match(md, /\| outside the kernels \(plain step - kernels\) \| \| 6\.0 \| 25% \|/);
});

Deno.test("kernel profile of a real step counts kernels once, not the scopes of custom-gradient ops", async () => {
  // wasm, where a fused convolution's gradient runs inside a custom-gradient scope.
  await selectBackend("wasm");
  const x = tf.randomNormal([2, 6, 6, 1]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 1, 2]));
  const b = tf.variable(tf.zeros([2]));
  const step = () => {
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.fused.conv2d({
        x,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: "valid",
        bias: b,
        // Linear: tfjs fuses under a gradient only then (as in the batch-norm towers).
        activation: "linear",
      }))
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  // tf.profile itself lists the fused op's scope beside the kernels run inside it.
  const raw = await tf.profile(step);
  assert.ok(raw.kernels.some((k) => k.name.endsWith("__op")), "no scope entry to leave out");
  const profile = await profileKernels(step, 2);
  const names = profile.kernels.map((k) => k.kernel);
  assert.ok(names.some((n) => /Conv2D$/.test(n)), names.join(", "));
  assert.ok(names.includes("Conv2DBackpropFilter"), names.join(", "));
  assert.ok(!names.some((n) => n.endsWith("__op")), names.join(", "));
  assert.equal(profile.steps, 2);
  tf.dispose([x, w, b]);
});

Deno.test("a tf.customGrad function's scope is left out of the kernels, its kernels stay", async () => {
  await selectBackend("wasm");
  const x = tf.variable(tf.randomNormal([4, 8]));
  const square = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const a = args[0] as tf.Tensor;
    save([a]);
    return { value: tf.square(a), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, s) };
  });
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(square(x) as tf.Tensor));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const raw = await tf.profile(step);
  // The function's entry bears the name of the scope it runs in ("forward" here).
  const scope = raw.kernels.find((k) => k.name === "forward");
  assert.ok(scope != null, raw.kernels.map((k) => k.name).join(", "));
  const names = (await profileKernels(step, 2)).kernels.map((k) => k.kernel);
  assert.ok(names.includes("Square"), names.join(", "));
  assert.ok(!names.includes("forward"), names.join(", "));
  x.dispose();
});

Deno.test("a profile whose kernels outlast the plain step says the shares overstate", () => {
  const profile = summarizeKernels(new Map([["Conv2D", { calls: 3, ms: 300 }]]), 3);
  const md = kernelMarkdown("wasm, 2 threads", profile, 80);
  assert.match(md, /\| outside the kernels \(plain step - kernels\) \| \| -20\.0 \| - \|/);
  assert.match(md, /add up to more than the plain step/);
  assert.doesNotMatch(kernelMarkdown("one thread", profile, 120), /more than the plain step/);
});
