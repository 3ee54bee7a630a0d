/**
 * `Cast` to a tensor's own dtype for the tfjs `wasm` backend, without a copy.
 *
 * tfjs's gradient of Relu is `dy * cast(step(x), "float32")`: a float32 to float32 cast, which
 * the stock wasm kernel runs as a copy of the whole activation in JavaScript (0.85 ms a standard
 * Siamese training step, Deno's --cpu-prof). A cast that changes nothing can share its input's
 * data, reference-counted, as the no-copy Identity does (wasm_identity.ts); every other cast (a
 * change of dtype, or strings) still runs the stock kernel.
 */
import {
  Cast,
  type CastAttrs,
  type CastInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { replaceWasmKernel } from "./wasm_kernel_utils.ts";

/** The stock kernel, for every cast that changes the dtype. */
let stock: KernelConfig | undefined;

/** Cast on wasm: to the same dtype, the input's data with one more reference; else the stock one. */
export function castWasm(
  args: { inputs: CastInputs; backend: BackendWasm; attrs: CastAttrs },
): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === args.attrs.dtype && x.dtype !== "string") {
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }
  if (stock == null) throw new Error("castWasm: the stock wasm Cast kernel is not registered");
  return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
}

/** Kernel config; replaces the stock Cast. */
export const castWasmConfig: KernelConfig = {
  kernelName: Cast,
  backendName: "wasm",
  kernelFunc: castWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend in place of the stock one. Idempotent. */
export function registerWasmCast(): void {
  stock = replaceWasmKernel(castWasmConfig) ?? stock;
}
