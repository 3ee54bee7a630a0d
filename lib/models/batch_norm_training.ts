/**
 * A batch-norm layer whose training pass runs as two fused kernels instead of tfjs's op-by-op
 * composition.
 *
 * In training, tfjs-layers' `BatchNormalization` computes `tf.moments` and `tf.batchNorm`, and
 * the tape then differentiates every op of both: on the standard tower about a third of a
 * training step on one wasm thread. {@link fuseBatchNormTraining} gives one such layer a `call`
 * that, in training and where the backend has the kernels of lib/backends/wasm_batch_norm.ts,
 * runs the forward kernel under a custom gradient that is the backward kernel; the moving
 * averages are updated with tfjs-layers' own formula. Inference, other backends and any layer
 * the kernels do not cover (channels not last, no scale or no centre) keep tfjs-layers' call.
 * Rounding differs from tfjs's composition (tests/models/batch_norm_training_test.ts bounds it),
 * so a tower trained this way does not reproduce stock tfjs numbers bit for bit. The layer's
 * saved form does not change.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from "../backends/wasm_batch_norm.ts";

/** The parts of a tfjs-layers `BatchNormalization` that its call reads. */
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(value: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(value: tf.Tensor): void };
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/** Whether the backend in use has both fused kernels. */
export function hasFusedBatchNorm(backendName = tf.getBackend()): boolean {
  return tf.getKernel(BATCH_NORM_TRAINING, backendName) != null &&
    tf.getKernel(BATCH_NORM_TRAINING_GRAD, backendName) != null;
}

/**
 * `[normalised x, batch mean, batch variance]` for a channels-last `x`, differentiable in `x`,
 * `gamma` and `beta` (through the normalised output; mean and variance carry no gradient).
 * Needs {@link hasFusedBatchNorm}.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const attrs = { epsilon } as unknown as tf.NamedAttrMap;
  let moments: tf.Tensor[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, g, b] = args as tf.Tensor[];
    const [y, mean, variance] = tf.engine().runKernel(
      BATCH_NORM_TRAINING,
      { x: xs, gamma: g, beta: b },
      attrs,
    ) as tf.Tensor[];
    save([xs, g, mean, variance]);
    // Kept past the custom gradient's scope for the caller (the moving averages).
    moments = [tf.keep(mean), tf.keep(variance)];
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sg, sm, sv] = saved;
      return tf.engine().runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy, x: sx, gamma: sg, mean: sm, variance: sv },
        attrs,
      ) as tf.Tensor[];
    };
    return { value: y, gradFunc };
  });
  const y = op(x, gamma, beta);
  return [y, moments[0], moments[1]];
}

/**
 * Makes `layer` (a tfjs-layers `BatchNormalization`) train through {@link batchNormTraining}
 * whenever the backend in use has the kernels; otherwise, and in inference, it calls as before.
 * @throws {RangeError} when `layer` is not a batch-norm layer.
 */
export function fuseBatchNormTraining(layer: tfl.layers.Layer): void {
  if (layer.getClassName() !== "BatchNormalization") {
    throw new RangeError(`fuseBatchNormTraining: ${layer.name} is not a BatchNormalization layer`);
  }
  const bn = layer as unknown as BatchNormInternals;
  const stockCall = bn.call.bind(bn);
  bn.call = (inputs, kwargs) => {
    const x = (Array.isArray(inputs) ? inputs : [inputs]) as tf.Tensor[];
    const fused = kwargs?.training === true && x.length === 1 && x[0].dtype === "float32" &&
      (bn.axis === -1 || bn.axis === x[0].rank - 1) && bn.center && bn.scale &&
      hasFusedBatchNorm();
    if (!fused) return stockCall(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(
        x[0],
        bn.gamma!.read(),
        bn.beta!.read(),
        bn.epsilon,
      );
      // tfjs-layers' doMovingAverage: v - (v - value) * (1 - momentum).
      for (
        const [moving, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const
      ) {
        tf.tidy(() => {
          const old = moving.read();
          moving.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - bn.momentum)));
        });
        value.dispose();
      }
      return y;
    });
  };
}
