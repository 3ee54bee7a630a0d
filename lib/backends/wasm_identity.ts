/**
 * `Identity` for the tfjs `wasm` backend without a copy.
 *
 * The stock wasm kernel copies the whole buffer; the gradient tape calls Identity about a
 * hundred times per training step (8% of a standard Siamese step's CPU time, Deno's
 * --cpu-prof), several on whole activations. Tensors are immutable, so the output can share
 * the input's data, reference-counted, which is what the cpu backend's Identity and the wasm
 * backend's own Reshape do.
 */
import {
  Identity,
  type IdentityInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { replaceWasmKernel } from "./wasm_kernel_utils.ts";

/** The stock kernel, kept for string tensors (their data is not on the wasm heap). */
let stock: KernelConfig | undefined;

/** Identity on wasm: the input's data, one more reference to it. */
export function identityWasm(
  args: { inputs: IdentityInputs; backend: BackendWasm },
): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === "string" && stock != null) {
    return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Kernel config; replaces the stock Identity. */
export const identityWasmConfig: KernelConfig = {
  kernelName: Identity,
  backendName: "wasm",
  kernelFunc: identityWasm as unknown as KernelFunc,
};

/** Registers the kernel on the wasm backend in place of the stock one. Idempotent. */
export function registerWasmIdentity(): void {
  stock = replaceWasmKernel(identityWasmConfig) ?? stock;
}
