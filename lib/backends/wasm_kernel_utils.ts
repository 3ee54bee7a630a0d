/** Helpers for kernels that are built from other kernels of the tfjs `wasm` backend. */
import {
  getKernel,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * Calls the kernel registered for `kernelName` on the wasm backend directly: no engine
 * bookkeeping, no gradient tape. The caller owns the result (free it with `disposeAll`).
 */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: NamedTensorInfoMap | TensorInfo[],
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(kernelName, "wasm");
  if (kernel == null) throw new Error(`wasm kernel ${kernelName} is not registered`);
  return kernel.kernelFunc({ inputs: inputs as NamedTensorInfoMap, backend, attrs }) as TensorInfo;
}

/** Frees intermediate results of a kernel. */
export function disposeAll(backend: BackendWasm, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * Registers `config` on the wasm backend in place of the kernel registered under its name
 * (unregistered first: tfjs warns when a kernel is registered twice), and returns that stock
 * kernel, or undefined when there was none or `config` is already registered. Idempotent.
 */
export function replaceWasmKernel(config: KernelConfig): KernelConfig | undefined {
  const current = getKernel(config.kernelName, "wasm");
  if (current?.kernelFunc === config.kernelFunc) return undefined;
  if (current != null) unregisterKernel(config.kernelName, "wasm");
  registerKernel(config);
  return current;
}
