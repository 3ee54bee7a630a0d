/**
 * Everything the tfjs `wasm` backend needs to train the Siamese nets at usable speed.
 *
 * tfjs-backend-wasm 4.22.0 is built for inference: it lacks `Conv2DBackpropFilter`, and its
 * `Conv2DBackpropInput` and transposed `BatchMatMul` are scalar loops. The kernels here are
 * rebuilt from its fast XNNPACK Conv2D and untransposed MatMul. The gradients of every other
 * op the towers use (Relu, Sigmoid, Abs, MaxPool, FusedBatchNorm, Mean, Sum, ...) resolve to
 * kernels that wasm already has (Step, Multiply, MaxPoolGrad, Rsqrt, ...).
 */
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { registerWasmConvGrads } from "./wasm_conv_grads.ts";
import { registerWasmLeadingReductions } from "./wasm_leading_reductions.ts";
import { registerWasmMatMul } from "./wasm_matmul.ts";
import { registerWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
import { registerWasmTile } from "./wasm_tile.ts";

// The namespace import registers the stock wasm kernels before ours replace some of them.
void wasm;

/**
 * Registers the training kernels on the wasm backend. Idempotent; may run before or after
 * `tf.setBackend("wasm")`.
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels();
 * await tf.setBackend("wasm");
 * ```
 */
export function registerWasmTrainingKernels(): void {
  registerWasmConvGrads();
  registerWasmMatMul();
  registerWasmTile();
  registerWasmLeadingReductions();
  registerWasmMaxPoolGrad();
}
