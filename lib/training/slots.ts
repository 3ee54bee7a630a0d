/** Non-trainable variables kept beside a model's weights. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * One slot per variable (an optimiser's moments, a running average), each a non-trainable
 * variable holding `initial(v, i)`. Made under tf.tidy: tf.variable shares its initial tensor's
 * data and takes a reference of its own, so the initial tensor is disposed here (outside a tidy
 * scope it stayed registered, holding its data after the slot was disposed).
 */
export function slotsOf(
  variables: readonly tf.Variable[],
  initial: (v: tf.Variable, i: number) => tf.Tensor,
): tf.Variable[] {
  return tf.tidy(() => variables.map((v, i) => tf.variable(initial(v, i), false)));
}
