/**
 * Sharpness-aware minimisation (Foret, Kleiner, Mobahi and Neyshabur 2021, "SAM"): a step's
 * gradient is taken a second time at the weights moved a distance `radius` up the first
 * gradient, w + radius * g / ||g|| (||g|| over all trainable weights together), and the
 * optimiser applies that second gradient to the unmoved weights. It seeks weights whose whole
 * neighbourhood has a low loss, which generalises better on small training sets; each step
 * costs two passes. Not in the paper: `siamese.sharpness` and `triplet.sharpness`, studied on
 * validation (docs/studies.md).
 */
import * as tf from "@tensorflow/tfjs-core";

/** Whether `radius` is a usable SAM radius: a finite number above 0. */
export function isSharpnessRadius(radius: number): boolean {
  return Number.isFinite(radius) && radius > 0;
}

/**
 * The SAM gradient of `variables`: moves each variable by `radius * g / ||g||` (`grads`, the
 * gradient at the current weights; a variable without one stays), calls `gradientsAt` there,
 * and puts every variable back to its exact value before returning, also when `gradientsAt`
 * throws; so too the variables of `state`, which the second pass may write (batch-norm moving
 * statistics: the step updates them once, in its first pass). Call inside a `tf.tidy`; the
 * returned tensors belong to it.
 */
export function sharpnessAwareGradients(
  variables: readonly tf.Variable[],
  grads: tf.NamedTensorMap,
  radius: number,
  gradientsAt: () => tf.NamedTensorMap,
  state: readonly tf.Variable[] = [],
): tf.NamedTensorMap {
  if (!isSharpnessRadius(radius)) {
    throw new RangeError(`sharpnessAwareGradients: radius must be above 0, got ${radius}`);
  }
  const moved = variables.filter((v) => grads[v.name] !== undefined);
  const squares = moved.map((v) => tf.sum(tf.square(grads[v.name])));
  const norm = squares.length ? tf.sqrt(tf.addN(squares)) : tf.scalar(0);
  // A zero gradient moves nothing (the 1e-12 keeps 0 / 0 out).
  const scale = tf.div(radius, tf.add(norm, 1e-12));
  // Clones share the variables' data, which assign() then no longer frees: the exact way back.
  const kept = [...moved, ...state];
  const saved = kept.map((v) => tf.clone(v));
  moved.forEach((v) => v.assign(tf.add(v, tf.mul(grads[v.name], scale))));
  try {
    return gradientsAt();
  } finally {
    kept.forEach((v, i) => v.assign(saved[i]));
  }
}
