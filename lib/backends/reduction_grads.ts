/**
 * The gradients of `Sum` and `Mean` without a JavaScript array of ones.
 *
 * tfjs 4.22's gradients multiply the reshaped `dy` by `ones(x.shape)`, and `ones` fills a
 * typed array of that size in JavaScript, then copies it to the backend. Batch norm takes the
 * mean of every convolution's activation twice per step (its moments), so on the standard
 * Siamese net that was 13% of a training step's CPU time (Deno's --cpu-prof: the `[64, 33, 33,
 * 32]` activation alone is 2.2M ones per call). Broadcasting `dy` (the Tile kernel) gives the
 * same tensor: `dy * 1` is `dy` exactly, so every gradient is the same bit for bit.
 *
 * Gradients are registered for every backend (they are not backend-specific).
 */
import {
  broadcastTo,
  type GradConfig,
  Mean,
  type MeanAttrs,
  type NamedAttrMap,
  registerGradient,
  reshape,
  Sum,
  type SumAttrs,
  type Tensor,
  util,
} from "@tensorflow/tfjs-core";
import { div } from "@tensorflow/tfjs-core";

/** `dy` with the reduced axes put back as size 1, broadcast to `x`'s shape. */
function spread(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const axes = util.parseAxisParam(axis, x.shape);
  const kept = x.shape.slice();
  for (const a of axes) kept[a] = 1;
  return broadcastTo(reshape(dy, kept), x.shape);
}

/** Sum's gradient: `dy` spread over the summed axes. */
export const sumGradConfig: GradConfig = {
  kernelName: Sum,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved;
    const { axis } = attrs as unknown as SumAttrs;
    return { x: () => spread(dy as Tensor, x, axis) };
  },
};

/** Mean's gradient: `dy` spread over the averaged axes, divided by their size. */
export const meanGradConfig: GradConfig = {
  kernelName: Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved;
    const { axis } = attrs as unknown as MeanAttrs;
    const axes = util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    return { x: () => div(spread(dy as Tensor, x, axis), reduceSize) };
  },
};

/**
 * Registers both gradients in place of tfjs's (for every backend). Call after tfjs-layers is
 * imported: its bundle registers its own copies of tfjs-core's gradients when it loads.
 */
export function registerReductionGradients(): void {
  registerGradient(sumGradConfig);
  registerGradient(meanGradConfig);
}
