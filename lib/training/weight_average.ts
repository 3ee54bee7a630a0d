/**
 * An exponential moving average of a model's weights (Polyak averaging; the "EMA of the
 * weights" of Tan and Le's EfficientNet and of timm's `ModelEmaV2`; not in the paper). After
 * every training step each average moves towards the weights it follows,
 *
 *   a <- d a + (1 - d) w,    d = min(decay, (1 + n) / (10 + n)),
 *
 * n counting the updates before this one, so that early on the average follows the fast-moving
 * weights closely instead of dragging their random initialisation along (the warm-up of
 * TensorFlow's `ExponentialMovingAverage` with `num_updates`). Every weight is averaged, the
 * batch-norm statistics too, so the averaged model is whole. Validation and the saved model
 * read the averaged weights; the optimiser keeps stepping the live ones.
 *
 * The averages sit in their own variables; {@link WeightAverage.swap} exchanges them with the
 * live weights (twice puts everything back), so nothing is copied through JavaScript.
 */
import * as tf from "@tensorflow/tfjs-core";
import { slotsOf } from "./slots.ts";

/** Whether `decay` can be a weight average's decay: in [0, 1). */
export function isWeightAverageDecay(decay: number): boolean {
  return Number.isFinite(decay) && decay >= 0 && decay < 1;
}

/** The decay of update `n` (0-based): `decay`, warmed up as (1 + n) / (10 + n) below it. */
export function warmedDecay(decay: number, n: number): number {
  return Math.min(decay, (1 + n) / (10 + n));
}

/** The running average of `weights` (see the module's comment). */
export class WeightAverage {
  readonly decay: number;
  #weights: readonly tf.Variable[];
  #averages: tf.Variable[];

  /** Averages start equal to `weights`. */
  constructor(weights: readonly tf.Variable[], decay: number) {
    if (!isWeightAverageDecay(decay)) {
      throw new RangeError(`WeightAverage: decay must lie in [0, 1), got ${decay}`);
    }
    this.decay = decay;
    this.#weights = weights;
    this.#averages = slotsOf(weights, (w) => w.clone());
  }

  /** Move every average towards its weight; `n` is the number of updates before this one. */
  update(n: number): void {
    const d = warmedDecay(this.decay, n);
    tf.tidy(() => {
      this.#averages.forEach((a, i) => {
        a.assign(tf.add(tf.mul(a, d), tf.mul(this.#weights[i], 1 - d)));
      });
    });
  }

  /** Exchange the averages and the live weights (call again to undo). */
  swap(): void {
    tf.tidy(() => {
      this.#averages.forEach((a, i) => {
        const live = this.#weights[i].clone();
        this.#weights[i].assign(a);
        a.assign(live);
      });
    });
  }

  /** The averages themselves (what {@link getState} reads). */
  variables(): readonly tf.Variable[] {
    return this.#averages;
  }

  /** The averages' values, in the weights' order (for checkpoints). */
  getState(): Float32Array[] {
    return this.#averages.map((a) => (a.dataSync() as Float32Array).slice());
  }

  /** Restore {@link getState}'s arrays. @throws {RangeError} when they do not fit the weights. */
  setState(state: readonly Float32Array[]): void {
    if (state.length !== this.#averages.length) {
      throw new RangeError(
        `WeightAverage: ${state.length} arrays for ${this.#averages.length} weights`,
      );
    }
    state.forEach((values, i) => {
      const a = this.#averages[i];
      if (values.length !== a.size) {
        throw new RangeError(
          `WeightAverage: array ${i} has ${values.length} values, its weight has ${a.size}`,
        );
      }
      tf.tidy(() => a.assign(tf.tensor(values, a.shape)));
    });
  }

  dispose(): void {
    for (const a of this.#averages) a.dispose();
    this.#averages = [];
  }
}
