/**
 * `Tile` for the tfjs `wasm` backend as block copies.
 *
 * The gradient of batch normalisation tiles per-channel statistics over the whole
 * activation (`[1, 1, 1, C]` -> `[N, H, W, C]`); the stock wasm Tile computes a
 * multi-index per element and took a third of a training step of the standard profile's
 * net. Here each axis, innermost first, repeats the contiguous block below it by doubling
 * `copyWithin`, so the work is a handful of memcpys per output block.
 */
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Tile,
  type TileAttrs,
  type TileInputs,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { replaceWasmKernel } from "./wasm_kernel_utils.ts";

let stock: KernelConfig | undefined;
const stockSetUpFor = new WeakSet<BackendWasm>();

/** `Tile` on wasm: `x` `[d0, ..., dk]`, `reps` -> `[d0*r0, ..., dk*rk]`. */
export function tileWasm(
  args: { inputs: TileInputs; backend: BackendWasm; attrs: TileAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x as TensorInfo;
  const reps = attrs.reps;
  if (x.dtype === "string" || x.dtype === "complex64") {
    if (stock == null) throw new Error(`wasm Tile: dtype ${x.dtype} needs the stock kernel`);
    if (!stockSetUpFor.has(backend)) {
      stock.setupFunc?.(backend);
      stockSetUpFor.add(backend);
    }
    return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const rank = x.shape.length;
  if (reps.length !== rank) {
    throw new Error(`wasm Tile: reps [${reps}] must have the rank of x [${x.shape}]`);
  }
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  // Views after the allocation: growing the wasm memory detaches older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  tileInto(src, x.shape, reps, dst);
  return out;
}

/**
 * Writes `src` (shape `shape`) tiled by `reps` into `dst`. The output is filled recursively:
 * the block for axis `d` at output offset `o` is built from the blocks of axis `d + 1`, then
 * repeated `reps[d]` times by doubling copies.
 */
function tileInto(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  reps: number[],
  dst: {
    set(a: ArrayLike<number>, o: number): void;
    copyWithin(t: number, s: number, e: number): unknown;
  },
): void {
  const rank = shape.length;
  // Sizes of one input block and one output block below each axis.
  const inBlock = new Array<number>(rank + 1).fill(1);
  const outBlock = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    inBlock[d] = inBlock[d + 1] * shape[d];
    outBlock[d] = outBlock[d + 1] * shape[d] * reps[d];
  }
  // Trailing axes that are not repeated are copied as one contiguous run.
  let flat = rank;
  while (flat > 0 && reps[flat - 1] === 1) flat--;
  const fill = (d: number, inOffset: number, outOffset: number): void => {
    if (d === flat) {
      dst.set(src.subarray(inOffset, inOffset + inBlock[d]), outOffset);
      return;
    }
    const step = outBlock[d + 1];
    for (let i = 0; i < shape[d]; i++) {
      fill(d + 1, inOffset + i * inBlock[d + 1], outOffset + i * step);
    }
    const once = shape[d] * step;
    let done = once;
    const total = once * reps[d];
    while (done < total) {
      const n = Math.min(done, total - done);
      dst.copyWithin(outOffset + done, outOffset, outOffset + n);
      done += n;
    }
  };
  fill(0, 0, 0);
}

/** Kernel config; replaces the stock Tile. */
export const tileWasmConfig: KernelConfig = {
  kernelName: Tile,
  backendName: "wasm",
  kernelFunc: tileWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend in place of the stock one. Idempotent. */
export function registerWasmTile(): void {
  stock = replaceWasmKernel(tileWasmConfig) ?? stock;
}
