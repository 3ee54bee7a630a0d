/**
 * `Sum` and `Mean` over the leading axes (`[N, H, W, C]` -> `[C]`) for the tfjs `wasm` backend.
 *
 * Bias gradients and batch-norm statistics reduce an NHWC activation over every axis but
 * the channels. The stock wasm kernels only reduce innermost axes, so they first transpose
 * the whole activation with their slow generic Transpose. Here the rows are added into a
 * float64 accumulator one after the other (contiguous reads, no transpose, and the same
 * double-precision accumulation as the cpu backend); with a multiple of 4 columns the same sums
 * run as a SIMD loop (simd/kernels.wat). Other reductions go to the stock kernels.
 */
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  Mean,
  type MeanAttrs,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapFloat64, heapOffset, simdKernels } from "./simd/simd_kernels.ts";
import { replaceWasmKernel } from "./wasm_kernel_utils.ts";

const stock = new Map<string, KernelConfig>();
const stockSetUpFor = new Map<string, WeakSet<BackendWasm>>();

function runStock(kernelName: string, args: Parameters<KernelFunc>[0]): TensorInfo {
  const config = stock.get(kernelName);
  if (config == null) throw new Error(`wasm ${kernelName}: the stock kernel is not available`);
  const backend = args.backend as BackendWasm;
  const done = stockSetUpFor.get(kernelName) ?? new WeakSet<BackendWasm>();
  stockSetUpFor.set(kernelName, done);
  if (!done.has(backend)) {
    config.setupFunc?.(backend);
    done.add(backend);
  }
  return config.kernelFunc(args) as TensorInfo;
}

/** Rows x cols when `axis` is exactly the leading axes of `shape` (and not all of them). */
function leadingSplit(shape: number[], axis: number | number[]): [number, number] | undefined {
  const axes = util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return undefined;
  if (axes.some((a, i) => a !== i)) return undefined;
  const rows = util.sizeFromShape(shape.slice(0, axes.length));
  const cols = util.sizeFromShape(shape.slice(axes.length));
  return [rows, cols];
}

function reduceLeading(
  backend: BackendWasm,
  x: TensorInfo,
  attrs: { axis: number | number[]; keepDims: boolean },
  rows: number,
  cols: number,
  divisor: number,
): TensorInfo {
  const axes = util.parseAxisParam(attrs.axis, x.shape);
  let outShape = x.shape.slice(axes.length);
  if (attrs.keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
  const out = backend.makeOutput(outShape, "float32");
  const simd = cols % 4 === 0 ? simdKernels(backend) : null;
  if (simd != null) {
    // Float64 column sums in scratch memory, added in the JS loop's order below.
    const scratch = backend.makeOutput([2 * cols], "float32");
    const at = heapOffset(backend, scratch);
    simd.columnSums(heapOffset(backend, x), rows, cols, at);
    const sums = heapFloat64(backend, at, cols);
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    for (let c = 0; c < cols; c++) dst[c] = sums[c] / divisor;
    backend.disposeData(scratch.dataId);
    return out;
  }
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const acc = new Float64Array(cols);
  // Four rows per pass: each column still adds its values one row after the other, in
  // float64 (the same sums bit for bit), with a quarter of the accumulator's loads and stores.
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols, b1 = b0 + cols, b2 = b1 + cols, b3 = b2 + cols;
    for (let c = 0; c < cols; c++) {
      acc[c] = acc[c] + src[b0 + c] + src[b1 + c] + src[b2 + c] + src[b3 + c];
    }
  }
  for (; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += src[base + c];
  }
  for (let c = 0; c < cols; c++) dst[c] = acc[c] / divisor;
  return out;
}

/** `Sum` on wasm; leading-axis float32 sums in JS, everything else by the stock kernel. */
export function sumWasm(
  args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  const split = x.dtype === "float32" ? leadingSplit(x.shape, attrs.axis) : undefined;
  if (split == null) return runStock(Sum, args as unknown as Parameters<KernelFunc>[0]);
  return reduceLeading(backend, x, attrs, split[0], split[1], 1);
}

/** `Mean` on wasm; leading-axis float32 means in JS, everything else by the stock kernel. */
export function meanWasm(
  args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: MeanAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  const split = x.dtype === "float32" ? leadingSplit(x.shape, attrs.axis) : undefined;
  if (split == null) return runStock(Mean, args as unknown as Parameters<KernelFunc>[0]);
  return reduceLeading(backend, x, attrs, split[0], split[1], split[0]);
}

/** Kernel configs; they replace the stock Sum and Mean. */
export const sumWasmConfig: KernelConfig = {
  kernelName: Sum,
  backendName: "wasm",
  kernelFunc: sumWasm as unknown as KernelFunc,
};
export const meanWasmConfig: KernelConfig = {
  kernelName: Mean,
  backendName: "wasm",
  kernelFunc: meanWasm as unknown as KernelFunc,
};

/** Registers both kernels on the wasm backend in place of the stock ones. Idempotent. */
export function registerWasmLeadingReductions(): void {
  for (const config of [sumWasmConfig, meanWasmConfig]) {
    const current = replaceWasmKernel(config);
    if (current != null) stock.set(config.kernelName, current);
  }
}
