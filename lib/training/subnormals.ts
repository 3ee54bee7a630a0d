/**
 * Flushing subnormal floats to zero in the trained weights and the optimiser's state.
 *
 * WebAssembly keeps IEEE subnormals (it has no flush-to-zero mode), and on x86 every SIMD
 * instruction that meets one takes a microcode assist. A weight that only its L2 penalty moves
 * (a filter of a unit that no longer fires) shrinks toward zero and, thousands of steps in,
 * becomes subnormal; every convolution that reads it then slows. Measured on the same-tower net
 * (the standard profile's Siamese net on the triplet tower, wasm, 2 threads, seed 1): no
 * subnormal weight up to step 1,250, 14 at step 1,500, 8,875 of 277,000 at step 2,250, and the
 * rate fell from 5.8 to 4.7 steps/s (the standard run's same-tower net ran its last three
 * quarters at 5.1 against 6.6 steps/s in its first). `deno task bench --models
 * triplet,triplet-subnormal` times the triplet net's step with 3.2% of its kernel entries
 * subnormal at 201.5 ms against 158.8 (1.27x; 1.25-1.33x in each of five rounds). A value under
 * 2^-126 (1.2e-38) is zero for every purpose here (it is lost in any sum with a number above
 * about 1e-30), so the training loop sets it to zero every {@link FLUSH_EVERY} steps, as a GPU's
 * flush-to-zero mode does on every instruction: the same-tower net then trained to the same
 * validation curve and koch-val to the last digit, at a steady rate, and the standard run wrote
 * its results byte for byte as before, its same-tower net 1.19x faster relative to the unchanged
 * batch-hard net (930 s against 836, where it had taken 1,020 against 769).
 */
import * as tf from "@tensorflow/tfjs-core";

/** The smallest positive normal float32, 2^-126: anything smaller in magnitude but zero is subnormal. */
export const SMALLEST_NORMAL = 2 ** -126;

/**
 * Steps between two flushes. Unflushed, subnormal weights piled up over hundreds of steps (14 at
 * step 1,500, 4,711 at 1,750), so a flush every 25 steps keeps them near none, and at four
 * kernels per variable it costs little. Counted on the step index, so a run resumed from a
 * checkpoint flushes where an unbroken one does.
 */
export const FLUSH_EVERY = 25;

/** Whether the step just taken (0-based index `step`) is followed by a flush. */
export function flushesAfter(step: number): boolean {
  return (step + 1) % FLUSH_EVERY === 0;
}

/** Set every subnormal entry of `variables` to zero (signs, NaN and infinities kept). */
export function flushSubnormals(variables: readonly tf.Variable[]): void {
  tf.tidy(() => {
    for (const v of variables) {
      if (v.dtype !== "float32") continue;
      v.assign(tf.where(tf.less(tf.abs(v), SMALLEST_NORMAL), tf.zerosLike(v), v));
    }
  });
}
