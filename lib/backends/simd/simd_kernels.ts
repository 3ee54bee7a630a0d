/**
 * The project's own SIMD kernels (kernels.wat), instantiated on the tfjs wasm backend's memory.
 *
 * The JS loops over the wasm heap that batch norm and the max-pool gradient ran as
 * (wasm_batch_norm.ts, wasm_max_pool_grad.ts) move about one element per nanosecond; the same
 * loops in wasm SIMD run several times faster. The module imports the backend's own memory, so
 * the kernels read and write tensors in place, by their heap offsets. Each kernel gives the
 * same numbers bit for bit as the JS loop it replaces (tests/backends/simd_kernels_test.ts);
 * where the module cannot start (a runtime without wasm SIMD) those JS loops run instead.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { decodeBase64 } from "./base64.ts";
import { SHARED, UNSHARED } from "./kernels_wasm.ts";

/** The exports of kernels.wat; pointers are byte offsets into the backend's heap. */
export interface SimdKernels {
  maxPool2x2Grad(
    dx: number,
    x: number,
    g: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
  ): void;
  channelSums(x: number, n: number, channels: number, sum: number, squares: number): void;
  scaleShift(x: number, y: number, n: number, channels: number, scale: number, shift: number): void;
  gradSums(
    dy: number,
    x: number,
    n: number,
    channels: number,
    mean: number,
    sumDy: number,
    sumDyCentred: number,
  ): void;
  gradApply(dy: number, x: number, dx: number, n: number, channels: number, coef: number): void;
  swapOuterAxes(out: number, x: number, a: number, b: number, c: number): void;
  columnSums(x: number, rows: number, cols: number, sum: number): void;
  oneChannelFilterGrad(
    dw: number,
    x: number,
    dy: number,
    batch: number,
    inH: number,
    inW: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    co: number,
  ): void;
}

interface EmscriptenModule {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

const instances = new WeakMap<BackendWasm, SimdKernels | null>();
let disabled = false;

/**
 * The kernels on `backend`'s memory, or null where they cannot run (then use the JS loops).
 * Instantiated once per backend.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  if (disabled) return null;
  if (instances.has(backend)) return instances.get(backend)!;
  const module = backend.wasm as unknown as EmscriptenModule;
  // The threaded build keeps its (shared) memory as wasmMemory, the plain one as asm.memory.
  const memory = module.wasmMemory ?? module.asm?.memory;
  let kernels: SimdKernels | null = null;
  if (memory instanceof WebAssembly.Memory) {
    const shared = typeof SharedArrayBuffer !== "undefined" &&
      memory.buffer instanceof SharedArrayBuffer;
    try {
      const bytes = decodeBase64(shared ? SHARED : UNSHARED);
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
        env: { memory },
      });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null;
    }
  }
  instances.set(backend, kernels);
  return kernels;
}

/** Turns the SIMD kernels off (`false`) or back on, for tests that compare them with JS. */
export function setSimdKernelsEnabled(enabled: boolean): void {
  disabled = !enabled;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId);
}

/**
 * A float64 view of `length` values at byte `at` of the heap (a scratch tensor's data). Take
 * it after the last allocation: growing the wasm memory detaches older views.
 * @throws {Error} when `at` is not 8-byte aligned.
 */
export function heapFloat64(backend: BackendWasm, at: number, length: number): Float64Array {
  if (at % 8 !== 0) throw new Error(`heap offset ${at} is not 8-byte aligned for float64`);
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
  return new Float64Array(heap.buffer, at, length);
}
