/**
 * Batch normalisation in training, forward and backward, as two kernels of the tfjs `wasm`
 * backend.
 *
 * tfjs-layers normalises a training batch with `tf.moments` and `tf.batchNorm`, and tfjs
 * differentiates that composition op by op: on the standard tower's three layers (`[64, 33, 33,
 * 32]`, `[64, 14, 14, 64]`, `[64, 5, 5, 64]`) about 50-75 ms of Multiply, Sum, Mean, Sub,
 * FusedBatchNorm and friends per training step on one wasm thread. Here each direction is two
 * passes over the activation (all three layers: 16 ms in plain JS on the wasm heap, 9 ms as SIMD):
 *
 * - forward: per-channel sum and sum of squares (accumulated in float64), then
 *   `y = x * scale + shift` with `scale = gamma / sqrt(var + eps)`, `shift = beta - mean * scale`;
 *   also returns the batch mean and the biased variance, as `tf.moments` does.
 * - backward: per-channel `sum dy` and `sum dy (x - mean)`, then the textbook gradient
 *   `dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))`, with
 *   `dgamma = sum dy xhat` and `dbeta = sum dy`.
 *
 * Both passes run as SIMD loops (simd/kernels.wat) when the channels are a multiple of 4: the
 * same arithmetic in the same order as the JS loops here, which run otherwise, so the same
 * numbers bit for bit (tests/backends/simd_kernels_test.ts).
 *
 * The channel axis is the last one. Rounding differs from tfjs's composition (within a relative
 * 2e-5 in the tests), so training that uses these kernels does not reproduce the stock numbers bit
 * for bit (lib/models/batch_norm_training.ts). Tested against tfjs-layers' own batch norm.
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapFloat64, heapOffset, simdKernels } from "./simd/simd_kernels.ts";

/** Kernel name: `{x, gamma, beta}`, attr `epsilon` -> `[y, mean, variance]`. */
export const BATCH_NORM_TRAINING = "SiameseBatchNormTraining";

/** Kernel name: `{dy, x, gamma, mean, variance}`, attr `epsilon` -> `[dx, dgamma, dbeta]`. */
export const BATCH_NORM_TRAINING_GRAD = "SiameseBatchNormTrainingGrad";

/** Attributes of both kernels. */
export interface BatchNormTrainingAttrs {
  epsilon: number;
}

/** Per-channel sum and sum of squares of `x`, pixel by pixel, in float64. */
function channelSums(x: Float32Array, channels: number, sum: Float64Array, squares: Float64Array) {
  sum.fill(0);
  squares.fill(0);
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[p + c];
      sum[c] += v;
      squares[c] += v * v;
    }
  }
}

/** `y = x * scale + shift` per channel, in float64, rounded once. */
function scaleShift(
  x: Float32Array,
  channels: number,
  scale: Float64Array,
  shift: Float64Array,
  y: Float32Array,
): void {
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) y[p + c] = x[p + c] * scale[c] + shift[c];
  }
}

/**
 * Mean and biased variance from the sums of `count` values per channel, and the forward pass's
 * `scale` and `shift` (which may overwrite `sum` and `squares`: each is read before written).
 */
function forwardCoefficients(
  sum: Float64Array,
  squares: Float64Array,
  count: number,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  mean: Float32Array,
  variance: Float32Array,
  scale: Float64Array,
  shift: Float64Array,
): void {
  for (let c = 0; c < gamma.length; c++) {
    const m = sum[c] / count;
    const v = Math.max(squares[c] / count - m * m, 0);
    mean[c] = m;
    variance[c] = v;
    scale[c] = gamma[c] / Math.sqrt(v + epsilon);
    shift[c] = beta[c] - m * scale[c];
  }
}

/**
 * Normalises `x` (channels last, `channels` of them) over every other axis into `y`; writes
 * the batch mean and the biased variance of each channel. Plain JS.
 */
export function batchNormForward(
  x: Float32Array,
  channels: number,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  channelSums(x, channels, sum, squares);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const count = x.length / channels;
  forwardCoefficients(sum, squares, count, gamma, beta, epsilon, mean, variance, scale, shift);
  scaleShift(x, channels, scale, shift, y);
}

/** Per-channel `sum dy` and `sum dy (x - mean)`, pixel by pixel, in float64. */
function gradSums(
  dy: Float32Array,
  x: Float32Array,
  channels: number,
  mean: Float64Array,
  sumDy: Float64Array,
  sumDyCentred: Float64Array,
): void {
  sumDy.fill(0);
  sumDyCentred.fill(0);
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[p + c];
      sumDy[c] += g;
      sumDyCentred[c] += g * (x[p + c] - mean[c]);
    }
  }
}

/**
 * `dgamma`, `dbeta` and the coefficients of `dx = k (dy - a - (x - mean) b)`: `k = gamma / s`,
 * `a = mean(dy)`, `b = mean(dy (x - mean)) / s^2`, with `s = sqrt(variance + epsilon)`.
 */
function gradCoefficients(
  sumDy: Float64Array,
  sumDyCentred: Float64Array,
  count: number,
  gamma: Float32Array,
  variance: Float32Array,
  epsilon: number,
  dgamma: Float32Array,
  dbeta: Float32Array,
  k: Float64Array,
  a: Float64Array,
  b: Float64Array,
): void {
  for (let c = 0; c < gamma.length; c++) {
    const inv = 1 / Math.sqrt(variance[c] + epsilon);
    dbeta[c] = sumDy[c];
    dgamma[c] = sumDyCentred[c] * inv;
    k[c] = gamma[c] * inv;
    a[c] = sumDy[c] / count;
    b[c] = sumDyCentred[c] * inv * inv / count;
  }
}

/** `dx = k (dy - a - (x - mean) b)` per channel, in float64, rounded once. */
function gradApply(
  dy: Float32Array,
  x: Float32Array,
  channels: number,
  mean: Float64Array,
  k: Float64Array,
  a: Float64Array,
  b: Float64Array,
  dx: Float32Array,
): void {
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      dx[p + c] = k[c] * (dy[p + c] - a[c] - (x[p + c] - mean[c]) * b[c]);
    }
  }
}

/**
 * The gradient of {@link batchNormForward}'s `y` with respect to `x`, `gamma` and `beta`,
 * given the upstream gradient `dy` and the forward pass's `mean` and `variance`. Plain JS.
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  channels: number,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const m = Float64Array.from(mean);
  const sumDy = new Float64Array(channels);
  const sumDyCentred = new Float64Array(channels);
  gradSums(dy, x, channels, m, sumDy, sumDyCentred);
  const k = new Float64Array(channels);
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const count = x.length / channels;
  gradCoefficients(sumDy, sumDyCentred, count, gamma, variance, epsilon, dgamma, dbeta, k, a, b);
  gradApply(dy, x, channels, m, k, a, b, dx);
}

function channelsOf(x: TensorInfo, gamma: TensorInfo, kernelName: string): number {
  const channels = x.shape.at(-1) ?? 0;
  if (x.shape.length < 2 || gamma.shape.join() !== String(channels)) {
    throw new Error(
      `${kernelName}: expected x [..., c] and gamma [c], got [${x.shape}] and [${gamma.shape}]`,
    );
  }
  return channels;
}

function checkFloat(infos: TensorInfo[], kernelName: string): void {
  for (const info of infos) {
    if (info.dtype !== "float32") {
      throw new Error(`${kernelName}: float32 inputs only, got ${info.dtype}`);
    }
  }
}

function batchNormTrainingWasm(
  args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap },
): TensorInfo[] {
  const { inputs: { x, gamma, beta }, backend } = args;
  const { epsilon } = args.attrs as unknown as BatchNormTrainingAttrs;
  checkFloat([x, gamma, beta], BATCH_NORM_TRAINING);
  const channels = channelsOf(x, gamma, BATCH_NORM_TRAINING);
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([channels], "float32");
  const variance = backend.makeOutput([channels], "float32");
  const simd = channels % 4 === 0 ? simdKernels(backend) : null;
  if (simd == null) {
    // Views after every allocation: growing the wasm memory detaches older views.
    const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    const [g, b, m, v] = [heap(gamma), heap(beta), heap(mean), heap(variance)];
    batchNormForward(heap(x), channels, g, b, epsilon, heap(y), m, v);
    return [y, mean, variance];
  }
  // Two float64 arrays of `channels`: the sums, then scale and shift in their place.
  const scratch = backend.makeOutput([4 * channels], "float32");
  const at = heapOffset(backend, scratch);
  const [xAt, count] = [heapOffset(backend, x), util.sizeFromShape(x.shape) / channels];
  simd.channelSums(xAt, count * channels, channels, at, at + 8 * channels);
  const sums = heapFloat64(backend, at, 2 * channels);
  const f64 = [sums.subarray(0, channels), sums.subarray(channels)];
  const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  forwardCoefficients(
    f64[0],
    f64[1],
    count,
    heap(gamma),
    heap(beta),
    epsilon,
    heap(mean),
    heap(variance),
    f64[0],
    f64[1],
  );
  simd.scaleShift(xAt, heapOffset(backend, y), count * channels, channels, at, at + 8 * channels);
  backend.disposeData(scratch.dataId);
  return [y, mean, variance];
}

function batchNormTrainingGradWasm(
  args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap },
): TensorInfo[] {
  const { inputs: { dy, x, gamma, mean, variance }, backend } = args;
  const { epsilon } = args.attrs as unknown as BatchNormTrainingAttrs;
  checkFloat([dy, x, gamma, mean, variance], BATCH_NORM_TRAINING_GRAD);
  const channels = channelsOf(x, gamma, BATCH_NORM_TRAINING_GRAD);
  if (!util.arraysEqual(dy.shape, x.shape)) {
    throw new Error(`${BATCH_NORM_TRAINING_GRAD}: dy [${dy.shape}] differs from x [${x.shape}]`);
  }
  const dx = backend.makeOutput(x.shape, "float32");
  const dgamma = backend.makeOutput([channels], "float32");
  const dbeta = backend.makeOutput([channels], "float32");
  const simd = channels % 4 === 0 ? simdKernels(backend) : null;
  if (simd == null) {
    const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    batchNormBackward(
      heap(dy),
      heap(x),
      channels,
      heap(gamma),
      heap(mean),
      heap(variance),
      epsilon,
      heap(dx),
      heap(dgamma),
      heap(dbeta),
    );
    return [dx, dgamma, dbeta];
  }
  // Float64 arrays of `channels`: mean, k, a, b (gradApply's layout), then the two sums.
  const scratch = backend.makeOutput([12 * channels], "float32");
  const at = heapOffset(backend, scratch);
  const f64 = heapFloat64(backend, at, 6 * channels);
  const part = (i: number) => f64.subarray(i * channels, (i + 1) * channels);
  const heap = (info: TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  part(0).set(heap(mean));
  const [dyAt, xAt, n] = [
    heapOffset(backend, dy),
    heapOffset(backend, x),
    util.sizeFromShape(x.shape),
  ];
  simd.gradSums(dyAt, xAt, n, channels, at, at + 32 * channels, at + 40 * channels);
  gradCoefficients(
    part(4),
    part(5),
    n / channels,
    heap(gamma),
    heap(variance),
    epsilon,
    heap(dgamma),
    heap(dbeta),
    part(1),
    part(2),
    part(3),
  );
  simd.gradApply(dyAt, xAt, heapOffset(backend, dx), n, channels, at);
  backend.disposeData(scratch.dataId);
  return [dx, dgamma, dbeta];
}

/** Kernel configs of both directions on wasm. */
export const batchNormTrainingWasmConfigs: KernelConfig[] = [
  {
    kernelName: BATCH_NORM_TRAINING,
    backendName: "wasm",
    kernelFunc: batchNormTrainingWasm as unknown as KernelFunc,
  },
  {
    kernelName: BATCH_NORM_TRAINING_GRAD,
    backendName: "wasm",
    kernelFunc: batchNormTrainingGradWasm as unknown as KernelFunc,
  },
];

/** Registers both kernels on the wasm backend. Idempotent. */
export function registerWasmBatchNormTraining(): void {
  for (const config of batchNormTrainingWasmConfigs) {
    if (getKernel(config.kernelName, "wasm") == null) registerKernel(config);
  }
}
