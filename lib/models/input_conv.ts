/**
 * The image-facing convolution of a batch-normalised tower, without the gradient of the images.
 *
 * tfjs-layers runs a convolution with a linear activation (the towers with batch norm: conv,
 * then batch norm, then ReLU) as `tf.fused.conv2d`, whose custom gradient computes the
 * gradient of the input together with the filter's, eagerly, even when the input is the image
 * batch that nothing trains: on the standard net one `Conv2DBackpropInput` of `[64, 35, 35, 1]`
 * per training step (about 12 ms on one wasm thread here), computed and thrown away. A plain
 * (ReLU) convolution does not have this: its registered gradient computes only what the tape
 * asks for.
 *
 * {@link skipInputGradient} gives one such layer a `call` that runs the very same `FusedConv2D`
 * kernel on the same inputs, so outputs are bit for bit those of tfjs-layers, under a custom
 * gradient that covers the filter (and bias) only, computed by the same kernels with the same
 * arguments as tfjs's own gradient: every trained number stays bit for bit the same
 * (tests/models/input_conv_test.ts). The layer's saved form does not change.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** The parts of a tfjs-layers `Conv2D` that its call reads (public in JavaScript, not in types). */
interface Conv2DInternals {
  rank: number;
  kernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: unknown): tf.Tensor | tf.Tensor[];
}

/**
 * Whether `layer` is a 2-D, channels-last, unpadded or same-padded convolution with a linear
 * activation and unit dilation: the case tfjs runs as `FusedConv2D` under its custom gradient,
 * and the one {@link skipInputGradient} reproduces.
 */
export function isLinearConv2D(layer: tfl.layers.Layer): boolean {
  const c = layer as unknown as Partial<Conv2DInternals>;
  return layer.getClassName() === "Conv2D" && c.rank === 2 &&
    c.activation?.getClassName() === "linear" && c.dataFormat === "channelsLast" &&
    (c.padding === "valid" || c.padding === "same") &&
    (c.dilationRate ?? []).every((d) => d === 1);
}

/**
 * Makes `layer` (the first layer of a tower, whose input is the images) compute no gradient
 * for its input. Only for a layer whose input is not trained: a gradient that should flow
 * further back would silently be lost, so call it on the image-facing layer alone.
 * @throws {RangeError} when `layer` is not a {@link isLinearConv2D} convolution.
 */
export function skipInputGradient(layer: tfl.layers.Layer): void {
  if (!isLinearConv2D(layer)) {
    throw new RangeError(
      `skipInputGradient: ${layer.name} is not a linear, channels-last Conv2D with unit dilation`,
    );
  }
  const conv = layer as unknown as Conv2DInternals;
  conv.call = (inputs) =>
    tf.tidy(() => {
      if (Array.isArray(inputs) && inputs.length !== 1) {
        throw new RangeError(`${layer.name}: expected one input, got ${inputs.length}`);
      }
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return linearConv(x, conv.kernel!.read() as tf.Tensor4D, conv.bias?.read(), conv);
    });
}

/** `tf.fused.conv2d` with a linear activation, differentiable in `filter` and `bias` only. */
function linearConv(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  conv: Conv2DInternals,
): tf.Tensor4D {
  const strides = conv.strides as [number, number];
  const pad = conv.padding as "valid" | "same";
  // Exactly the attributes tf.fused.conv2d passes for tfjs-layers' call.
  const attrs = {
    strides,
    pad,
    dataFormat: "NHWC",
    dilations: conv.dilationRate,
    dimRoundingMode: undefined,
    activation: "linear",
    leakyreluAlpha: undefined,
  };
  const trained = bias == null ? [filter] : [filter, bias];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [f, b] = args as tf.Tensor[];
    // x is saved so that the engine keeps it for the backward pass.
    save([x]);
    const value = tf.engine().runKernel(
      "FusedConv2D",
      { x, filter: f, bias: b, preluActivationWeights: undefined } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const dFilter = tf.engine().runKernel(
        "Conv2DBackpropFilter",
        { x: saved[0], dy },
        {
          strides,
          pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      // tfjs's getFusedBiasGradient: dy summed over every axis but the channels.
      return b == null ? [dFilter] : [dFilter, tf.reshape(tf.sum(dy, [0, 1, 2]), b.shape)];
    };
    return { value, gradFunc };
  });
  return op(...trained) as tf.Tensor4D;
}
