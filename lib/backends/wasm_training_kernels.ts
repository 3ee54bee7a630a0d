/**
 * Everything the tfjs `wasm` backend needs to train the Siamese nets at usable speed.
 *
 * tfjs-backend-wasm 4.22.0 is built for inference. Missing outright: `Conv2DBackpropFilter`
 * and `UnsortedSegmentSum` (the gradient of gather). Present but scalar loops that dominated
 * a training step: `Conv2DBackpropInput`, `BatchMatMul` with a transposed operand (every
 * dense-layer gradient), `Tile` (batch-norm gradient), `Sum`/`Mean` over leading axes (bias
 * gradients, batch-norm statistics: they transpose the activation first) and `MaxPoolGrad`.
 * The replacements here are built from XNNPACK's Conv2D and untransposed MatMul, or are plain
 * JS loops over the wasm heap. Batch norm in training gets two fused kernels of its own
 * (wasm_batch_norm.ts, used by lib/models/batch_norm_training.ts); Identity and a Cast to the
 * same dtype share their input's data instead of copying it. The gradients of the other ops the models use (Relu, Sigmoid,
 * Abs, Sqrt, Exp, Softplus, Maximum, FusedBatchNorm, ...) resolve to kernels wasm has.
 */
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { registerWasmBatchNormTraining } from "./wasm_batch_norm.ts";
import { registerWasmCast } from "./wasm_cast.ts";
import { registerWasmConvGrads } from "./wasm_conv_grads.ts";
import { registerWasmIdentity } from "./wasm_identity.ts";
import { registerWasmLeadingReductions } from "./wasm_leading_reductions.ts";
import { registerWasmMatMul } from "./wasm_matmul.ts";
import { registerWasmMaxPoolGrad } from "./wasm_max_pool_grad.ts";
import { registerWasmTile } from "./wasm_tile.ts";
import { registerWasmUnsortedSegmentSum } from "./wasm_unsorted_segment_sum.ts";

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
  registerWasmUnsortedSegmentSum();
  registerWasmIdentity();
  registerWasmCast();
  registerWasmBatchNormTraining();
}
