/**
 * `MaxPoolGrad` for the tfjs `wasm` backend, vectorised over the channel axis.
 *
 * The stock wasm kernel visits every input pixel and searches every window that covers
 * it, with a multi-index per element; on the standard profile's net it was the largest
 * single kernel of a training step (48 ms for one `[64, 33, 33, 32]` activation). Here each
 * output window is scanned once for all channels at a time (contiguous in NHWC) and its
 * gradient is added at the arg-max. Ties go to the first maximum in row-major window order,
 * as in the cpu backend, so that ReLU's all-zero windows route their gradient identically.
 * The towers' pools (2x2 windows, stride 2, no padding) tile the input without overlap, so
 * each input pixel receives at most one gradient: `pool2x2Grad` writes it directly, without
 * the per-window arg-max arrays (1.6x faster on `[64, 33, 33, 32]`, the same numbers bit for bit),
 * and with channels a multiple of 4 it runs as a SIMD loop (simd/kernels.wat) that makes the
 * same choices.
 */
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type MaxPoolGradInputs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOffset, simdKernels } from "./simd/simd_kernels.ts";
import { replaceWasmKernel } from "./wasm_kernel_utils.ts";

/**
 * `MaxPoolGrad` on wasm: `dy` `[b, OH, OW, c]`, `input` `[b, H, W, c]` (the pooled
 * activation) -> `[b, H, W, c]`.
 */
export function maxPoolGradWasm(
  args: { inputs: MaxPoolGradInputs; backend: BackendWasm; attrs: MaxPoolGradAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs.dy as TensorInfo;
  const input = args.inputs.input as TensorInfo;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  const out = backend.makeOutput(input.shape, "float32");
  const twoByTwo = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 &&
    strideWidth === 2 && padInfo.top === 0 && padInfo.left === 0 &&
    2 * outHeight <= inHeight && 2 * outWidth <= inWidth;
  const simd = twoByTwo && channels % 4 === 0 ? simdKernels(backend) : null;
  if (simd != null) {
    const at = (info: TensorInfo) => heapOffset(backend, info);
    simd.maxPool2x2Grad(
      at(out),
      at(input),
      at(dy),
      batchSize,
      inHeight,
      inWidth,
      channels,
      outHeight,
      outWidth,
    );
    return out;
  }
  // Views after the allocation: growing the wasm memory detaches older views.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  if (twoByTwo) {
    pool2x2Grad(dx, x, g, batchSize, inHeight, inWidth, channels, outHeight, outWidth);
    return out;
  }
  dx.fill(0);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * strideHeight - padInfo.top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = ow * strideWidth - padInfo.left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + filterWidth);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let c = cMin; c < cMax; c++) {
            const base = ((b * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                where[d] = base + d;
              }
            }
          }
        }
        const gBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let d = 0; d < channels; d++) {
          if (where[d] >= 0) dx[where[d]] += g[gBase + d];
        }
      }
    }
  }
  return out;
}

/**
 * The gradient of a 2x2, stride-2, unpadded max-pool: each window's gradient goes to its
 * first maximum in row-major order (top-left, top-right, bottom-left, bottom-right), the
 * cpu backend's choice. Every element of `dx` is written once (zero where no window reaches,
 * the odd last row or column), so `dx` need not be cleared first.
 */
function pool2x2Grad(
  dx: Float32Array,
  x: Float32Array,
  g: Float32Array,
  batchSize: number,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): void {
  const row = inWidth * channels;
  const covered = 2 * outWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = (b * inHeight + 2 * oh) * row;
      for (let ow = 0; ow < outWidth; ow++) {
        const p00 = r0 + 2 * ow * channels;
        const p01 = p00 + channels, p10 = p00 + row, p11 = p10 + channels;
        const gBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let d = 0; d < channels; d++) {
          let k = 0;
          let best = x[p00 + d];
          // Strictly greater: a tie keeps the earlier position, as the cpu backend does.
          const v01 = x[p01 + d], v10 = x[p10 + d], v11 = x[p11 + d];
          if (v01 > best) best = v01, k = 1;
          if (v10 > best) best = v10, k = 2;
          if (v11 > best) k = 3;
          const v = g[gBase + d];
          dx[p00 + d] = k === 0 ? v : 0;
          dx[p01 + d] = k === 1 ? v : 0;
          dx[p10 + d] = k === 2 ? v : 0;
          dx[p11 + d] = k === 3 ? v : 0;
        }
      }
      // An odd last column: no window reaches it.
      if (covered < row) {
        dx.fill(0, r0 + covered, r0 + row);
        dx.fill(0, r0 + row + covered, r0 + 2 * row);
      }
    }
    // An odd last row.
    dx.fill(0, (b * inHeight + 2 * outHeight) * row, (b + 1) * inHeight * row);
  }
}

/** Kernel config; replaces the stock MaxPoolGrad. */
export const maxPoolGradWasmConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend in place of the stock one. Idempotent. */
export function registerWasmMaxPoolGrad(): void {
  replaceWasmKernel(maxPoolGradWasmConfig);
}
