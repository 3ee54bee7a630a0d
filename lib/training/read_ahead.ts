/**
 * Reading ahead of a taped step, for backends that cannot read a tensor inside it (webgpu in
 * Deno, host_reads.ts): the loop's `prepare` hook draws the step's batch and reads from it what
 * the step would have read inside its tape (the triplet miners' triplets, mine_ahead.ts; the
 * Siamese net's hardest pairs and triplet term, siamese_ahead.ts); the step then takes that very
 * batch with what was read. Elsewhere the step draws its batch itself and reads inside.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** A step's batch drawn and read ahead of the step (see the module comment). */
export interface ReadAhead<D, R> {
  /** The loop's `prepare` hook: draws step `step`'s batch and reads ahead from it. */
  prepare(step: number): Promise<void>;
  /** Step `step`'s batch: the one read ahead, with what was read, else drawn now. */
  take(step: number): { drawn: D; read?: R };
}

/** Step batches from `draw` (by step, so the same step draws the same batch), read by `read`. */
export function readAhead<D, R>(
  draw: (step: number) => D,
  read: (drawn: D) => Promise<R>,
): ReadAhead<D, R> {
  let ahead: { step: number; drawn: D; read: R } | undefined;
  return {
    async prepare(step) {
      const drawn = draw(step);
      ahead = { step, drawn, read: await read(drawn) };
    },
    take: (step) => ahead?.step === step ? ahead : { drawn: draw(step) },
  };
}

/**
 * `forward()` (a training-mode pass of `models`, untaped) with the models' non-trainable
 * weights (batch norm's moving statistics) put back afterwards: a pass that only reads ahead
 * of a step must not update them, the step does that once.
 */
export function restoringStatistics<T>(models: readonly tfl.LayersModel[], forward: () => T): T {
  const stats = models.flatMap((m) => m.weights.filter((w) => !w.trainable));
  const saved = stats.map((w) => w.read().clone());
  try {
    return forward();
  } finally {
    stats.forEach((w, i) => w.write(saved[i]));
    tf.dispose(saved);
  }
}
