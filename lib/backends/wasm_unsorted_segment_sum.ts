/**
 * `UnsortedSegmentSum` for the tfjs `wasm` backend, which has none. It is the gradient of
 * `tf.gather` (rows picked by index get their gradients added back), so without it no model
 * that gathers embeddings by index can train on wasm.
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
  type UnsortedSegmentSumInputs,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * `x` `[...ids.shape, ...inner]`, `segmentIds` (int32) -> `[numSegments, ...inner]`:
 * `out[s] = sum of x[i] over i with segmentIds[i] == s`. Ids outside [0, numSegments) are
 * dropped, as on the cpu backend.
 */
export function unsortedSegmentSumWasm(
  args: { inputs: UnsortedSegmentSumInputs; backend: BackendWasm; attrs: UnsortedSegmentSumAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x as TensorInfo;
  const ids = args.inputs.segmentIds as TensorInfo;
  const { numSegments } = attrs;
  const idCount = util.sizeFromShape(ids.shape);
  const innerShape = x.shape.slice(ids.shape.length);
  const inner = util.sizeFromShape(innerShape);
  if (util.sizeFromShape(x.shape) !== idCount * inner) {
    throw new Error(
      `wasm UnsortedSegmentSum: x [${x.shape}] must start with the segmentIds shape [${ids.shape}]`,
    );
  }
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const segment = backend.typedArrayFromHeap(ids);
  dst.fill(0);
  for (let i = 0; i < idCount; i++) {
    const s = segment[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) dst[to + j] += src[from + j];
  }
  return out;
}

/** Kernel config. */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend. Idempotent. */
export function registerWasmUnsortedSegmentSum(): void {
  if (getKernel(UnsortedSegmentSum, "wasm") == null) registerKernel(unsortedSegmentSumWasmConfig);
}
