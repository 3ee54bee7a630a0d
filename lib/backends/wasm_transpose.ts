/**
 * Swapping the last two axes of a float32 tensor on the tfjs `wasm` backend, in blocks that
 * stay in L1 cache. The stock wasm Transpose computes a multi-index per element and moves
 * ~0.1 G elements/s on large matrices; the blocked loop here is several times faster.
 * {@link swapFirstAndLast} (the filter gradient's `[b, h, w, c]` -> `[c, h, w, b]`) runs as a
 * SIMD loop in 4 x 4 blocks (simd/kernels.wat) where both axes are multiples of 4.
 */
import { type TensorInfo, Transpose, util } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapOffset, simdKernels } from "./simd/simd_kernels.ts";
import { runWasmKernel } from "./wasm_kernel_utils.ts";

const BLOCK = 32;

/** `x` `[...batch, rows, cols]` -> `[...batch, cols, rows]` (float32 or int32). */
export function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  if (rank < 2) throw new Error(`transposeLastTwo: need rank >= 2, got [${x.shape}]`);
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`transposeLastTwo: dtype ${x.dtype} is not supported`);
  }
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const outShape = [...x.shape.slice(0, -2), cols, rows];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after the allocation: growing the wasm memory detaches older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const matrix = rows * cols;
  const count = matrix === 0 ? 0 : src.length / matrix;
  for (let m = 0; m < count; m++) {
    const base = m * matrix;
    if (rows === 1 || cols === 1) {
      dst.set(src.subarray(base, base + matrix), base);
      continue;
    }
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = Math.min(rows, r0 + BLOCK);
      for (let c0 = 0; c0 < cols; c0 += BLOCK) {
        const c1 = Math.min(cols, c0 + BLOCK);
        for (let r = r0; r < r1; r++) {
          const s = base + r * cols;
          for (let c = c0; c < c1; c++) dst[base + c * rows + r] = src[s + c];
        }
      }
    }
  }
  return out;
}

/**
 * `x` `[a, ..., c]` -> `[c, ..., a]`: the first and last axes swapped, the middle ones kept
 * (for rank 4, tfjs's Transpose with perm `[3, 1, 2, 0]`). Float32; the stock Transpose does
 * shapes the SIMD loop does not take.
 */
export function swapFirstAndLast(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i === 0 ? rank - 1 : i === rank - 1 ? 0 : i);
  const a = x.shape[0];
  const c = x.shape[rank - 1];
  const simd = rank >= 2 && x.dtype === "float32" && a % 4 === 0 && c % 4 === 0
    ? simdKernels(backend)
    : null;
  if (simd == null) return runWasmKernel(backend, Transpose, { x }, { perm });
  const out = backend.makeOutput(perm.map((p) => x.shape[p]), "float32");
  const b = util.sizeFromShape(x.shape) / Math.max(a * c, 1);
  simd.swapOuterAxes(heapOffset(backend, out), heapOffset(backend, x), a, b, c);
  return out;
}
