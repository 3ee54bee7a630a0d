/**
 * Matrix products with transposed operands for the tfjs `wasm` backend.
 *
 * The stock wasm `BatchMatMul` reaches XNNPACK only when neither operand is transposed;
 * with `transposeA` or `transposeB` it falls back to a scalar loop that runs at 0.6-2
 * GFLOP/s instead of ~15-20. Every dense-layer gradient is such a product (`dW = x^T dy`,
 * `dx = dy W^T`), so training spends most of its time there. This kernel rewrites each
 * product as an untransposed one, choosing among two plans the one that moves the fewest
 * elements:
 *
 * - transpose the operands that are marked transposed, then `A' B'`;
 * - or compute `C^T = op(B)^T op(A)^T` untransposed and transpose that result.
 *
 * For the dense layer of Koch et al.'s network (`x` `[16, 9216]`, `W` `[9216, 4096]`) both
 * gradients then move only the small operands (`x` or `dy`), never the 38M-element weight.
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { disposeAll, replaceWasmKernel } from "./wasm_kernel_utils.ts";
import { transposeLastTwo } from "./wasm_transpose.ts";

/** The stock kernel, used for the untransposed products it does well. */
let stock: KernelConfig | undefined;
const stockSetUpFor = new WeakSet<BackendWasm>();

function stockMatMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  attrs: BatchMatMulAttrs,
): TensorInfo {
  if (stock == null) throw new Error("wasm BatchMatMul: the stock kernel is not available");
  if (!stockSetUpFor.has(backend)) {
    // Its setupFunc ran when the backend started only if it was registered then.
    stock.setupFunc?.(backend);
    stockSetUpFor.add(backend);
  }
  return stock.kernelFunc({
    inputs: { a, b },
    backend,
    attrs: attrs as unknown as Record<string, boolean>,
  }) as TensorInfo;
}

/** Size of all matrices in a batch of `[..., rows, cols]`. */
function size(info: TensorInfo): number {
  return util.sizeFromShape(info.shape);
}

/**
 * `BatchMatMul` on wasm: `a` `[...batch, M, K]` (or `[..., K, M]` with `transposeA`), `b`
 * `[...batch, K, N]` (or `[..., N, K]`) -> `[...batch, M, N]`.
 */
export function batchMatMulWasm(
  args: { inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs },
): TensorInfo {
  const { backend, attrs } = args;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const { transposeA, transposeB } = attrs;
  const plain = { transposeA: false, transposeB: false };
  if ((!transposeA && !transposeB) || a.dtype !== "float32" || b.dtype !== "float32") {
    return stockMatMul(backend, a, b, attrs);
  }
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const batch = broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const outSize = util.sizeFromShape(batch) * m * n;
  const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
  const swapped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + outSize;
  const temps: TensorInfo[] = [];
  const flip = (x: TensorInfo) => {
    const t = transposeLastTwo(backend, x);
    temps.push(t);
    return t;
  };
  let out: TensorInfo;
  if (direct <= swapped) {
    out = stockMatMul(backend, transposeA ? flip(a) : a, transposeB ? flip(b) : b, plain);
  } else {
    const outT = stockMatMul(backend, transposeB ? b : flip(b), transposeA ? a : flip(a), plain);
    temps.push(outT);
    out = transposeLastTwo(backend, outT);
  }
  disposeAll(backend, temps);
  return out;
}

/** Kernel config; replaces the stock BatchMatMul. */
export const batchMatMulWasmConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: "wasm",
  kernelFunc: batchMatMulWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend in place of the stock one. Idempotent. */
export function registerWasmMatMul(): void {
  stock = replaceWasmKernel(batchMatMulWasmConfig) ?? stock;
}
