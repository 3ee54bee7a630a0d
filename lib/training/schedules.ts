/**
 * Optimisers and their schedules.
 *
 * Koch et al. section 3.2: minibatch SGD where layer j has its own learning rate eta_j
 * and momentum mu_j; "the learning rate was decayed uniformly across the network by
 * 1 percent per epoch" (eta_j(T) = 0.99 eta_j(T - 1)), and momentum "starts at 0.5 and
 * increases linearly each epoch until reaching the value mu_j". The L2 penalty of
 * section 3.1 (lambda_j per layer) enters as lambda w added to each kernel's gradient.
 * Adam (Kingma and Ba) is the other option: the smaller profiles have minutes, not the
 * paper's hours, and Adam gets much further in that time.
 *
 * Both optimisers are written out here (not tf.train's) so that their state is a plain
 * list of arrays in the order of the variables: a checkpoint stores it, and a resumed run
 * continues bit for bit. The update at step t depends only on the state and t.
 */
import * as tf from "@tensorflow/tfjs-core";
import { slotsOf } from "./slots.ts";
import type { TrainingConfig } from "../config.ts";

/** Learning rate and momentum as functions of the step index (0-based). */
export interface Schedule {
  learningRate(step: number): number;
  momentum(step: number): number;
}

/** A fixed learning rate (momentum unused). */
export function constantSchedule(learningRate: number): Schedule {
  checkPositive("constantSchedule", "learningRate", learningRate);
  return { learningRate: () => learningRate, momentum: () => 0 };
}

/** Options of {@link kochSchedule}. */
export interface KochScheduleOptions {
  /** Learning rate of epoch 0. */
  learningRate: number;
  /** Steps per epoch (schedules advance once per epoch). */
  epochSteps: number;
  /** Multiplicative decay per epoch; 0.99 in the paper. */
  decay?: number;
  /** Momentum of epoch 0; 0.5 in the paper. */
  initialMomentum?: number;
  /** Momentum reached at the end of the ramp (mu_j). */
  finalMomentum: number;
  /** Epochs the linear ramp from `initialMomentum` to `finalMomentum` takes. */
  momentumEpochs: number;
}

/** Section 3.2's schedule: lr decays 1% per epoch, momentum ramps linearly from 0.5 to its final value. */
export function kochSchedule(options: KochScheduleOptions): Schedule {
  const { learningRate, epochSteps, finalMomentum, momentumEpochs } = options;
  const decay = options.decay ?? 0.99;
  const initial = options.initialMomentum ?? 0.5;
  checkPositive("kochSchedule", "learningRate", learningRate);
  if (!(Number.isInteger(epochSteps) && epochSteps >= 1)) {
    throw new RangeError(`kochSchedule: epochSteps must be a positive integer, got ${epochSteps}`);
  }
  if (!(momentumEpochs >= 0)) {
    throw new RangeError(`kochSchedule: momentumEpochs must be >= 0, got ${momentumEpochs}`);
  }
  if (!(finalMomentum >= 0 && finalMomentum < 1)) {
    throw new RangeError(`kochSchedule: finalMomentum must lie in [0, 1), got ${finalMomentum}`);
  }
  const epoch = (step: number) => Math.floor(step / epochSteps);
  return {
    learningRate: (step) => learningRate * decay ** epoch(step),
    momentum: (step) =>
      momentumEpochs === 0 ? finalMomentum : Math.min(
        finalMomentum,
        initial + (finalMomentum - initial) * (epoch(step) / momentumEpochs),
      ),
  };
}

/** What {@link trainingSchedule} reads of a training block. */
export type ScheduleSettings = Pick<
  TrainingConfig,
  "learningRate" | "lrDecay" | "decayEvery" | "steps" | "lrSchedule"
>;

/**
 * A training block's schedule: {@link kochSchedule}'s decay by `lrDecay` every `decayEvery`
 * steps, or with `lrSchedule: "cosine"` the rate at step t is
 * `learningRate * (1 + cos(pi * t / steps)) / 2` (Loshchilov and Hutter 2017, no restarts),
 * from the full rate at step 0 down to 0 at `steps`. Momentum (SGD only) ramps as in the paper
 * either way.
 */
export function trainingSchedule(
  settings: ScheduleSettings,
  momentum: Pick<KochScheduleOptions, "finalMomentum" | "momentumEpochs">,
): Schedule {
  const decayed = kochSchedule({
    learningRate: settings.learningRate,
    epochSteps: settings.decayEvery,
    decay: settings.lrDecay,
    ...momentum,
  });
  if (settings.lrSchedule === undefined) return decayed;
  const { learningRate, steps } = settings;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new RangeError(`trainingSchedule: steps must be a positive integer, got ${steps}`);
  }
  return {
    learningRate: (step) =>
      learningRate * (1 + Math.cos(Math.PI * Math.min(step, steps) / steps)) / 2,
    momentum: decayed.momentum,
  };
}

/** A step-index driven optimiser whose whole state is a list of arrays. */
export interface Optimizer {
  readonly name: string;
  /** Apply one update of `variables` from `grads` (same order) at step `step`. */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], step: number): void;
  /** The state as arrays (empty before the first update). */
  getState(): Float32Array[];
  /** The variables holding the state (empty before the first update), for in-place upkeep. */
  slots(): readonly tf.Variable[];
  /** Restore a state from {@link getState} for these variables. */
  setState(variables: readonly tf.Variable[], state: readonly Float32Array[]): void;
  dispose(): void;
}

/** Options shared by both optimisers. */
export interface OptimizerOptions {
  schedule: Schedule;
  /** Per-variable learning-rate multiplier (the paper's per-layer eta_j); 1 when omitted. */
  rateMultipliers?: readonly number[];
  /** Per-variable L2 weight lambda (0 for biases and normalisation parameters). */
  weightDecay?: readonly number[];
}

/**
 * Per-weight L2 weights (section 3.1's lambda): `lambda` on kernels (convolutions and dense
 * layers), 0 on biases and normalisation parameters; in the order of `weights`.
 */
export function kernelDecay(
  weights: readonly { name: string; originalName?: string }[],
  lambda: number,
): number[] {
  return weights.map((w) => (/kernel/.test(w.originalName ?? w.name) ? lambda : 0));
}

/** SGD with momentum: v = mu v - eta (g + lambda w); w = w + v. */
export class SgdMomentum implements Optimizer {
  readonly name = "sgd";
  #options: OptimizerOptions;
  #velocity: tf.Variable[] = [];

  constructor(options: OptimizerOptions) {
    this.#options = options;
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], step: number): void {
    checkLengths("SgdMomentum", variables, grads);
    if (this.#velocity.length === 0) {
      this.#velocity = slotsOf(variables, (v) => tf.zerosLike(v));
    }
    const lr = this.#options.schedule.learningRate(step);
    const mu = this.#options.schedule.momentum(step);
    tf.tidy(() => {
      variables.forEach((w, i) => {
        const g = withDecay(grads[i], w, this.#options.weightDecay?.[i] ?? 0);
        const eta = lr * (this.#options.rateMultipliers?.[i] ?? 1);
        const v = tf.sub(tf.mul(this.#velocity[i], mu), tf.mul(g, eta));
        this.#velocity[i].assign(v);
        w.assign(tf.add(w, v));
      });
    });
  }

  getState(): Float32Array[] {
    return this.#velocity.map((v) => v.dataSync() as Float32Array).map((a) => a.slice());
  }

  slots(): readonly tf.Variable[] {
    return this.#velocity;
  }

  setState(variables: readonly tf.Variable[], state: readonly Float32Array[]): void {
    this.dispose();
    if (state.length === 0) return;
    checkState("SgdMomentum", variables, state, 1);
    this.#velocity = slotsOf(variables, (v, i) => tf.tensor(state[i], v.shape));
  }

  dispose(): void {
    for (const v of this.#velocity) v.dispose();
    this.#velocity = [];
  }
}

/** Options of {@link Adam}. */
export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with L2 in the gradient; the bias correction uses t = step + 1. */
export class Adam implements Optimizer {
  readonly name = "adam";
  #options: AdamOptions;
  #m: tf.Variable[] = [];
  #v: tf.Variable[] = [];

  constructor(options: AdamOptions) {
    this.#options = options;
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], step: number): void {
    checkLengths("Adam", variables, grads);
    if (this.#m.length === 0) {
      this.#m = slotsOf(variables, (v) => tf.zerosLike(v));
      this.#v = slotsOf(variables, (v) => tf.zerosLike(v));
    }
    const b1 = this.#options.beta1 ?? 0.9,
      b2 = this.#options.beta2 ?? 0.999,
      eps = this.#options.epsilon ?? 1e-8;
    const t = step + 1;
    const lr = this.#options.schedule.learningRate(step) * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
    tf.tidy(() => {
      variables.forEach((w, i) => {
        const g = withDecay(grads[i], w, this.#options.weightDecay?.[i] ?? 0);
        const m = tf.add(tf.mul(this.#m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.#v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        const eta = lr * (this.#options.rateMultipliers?.[i] ?? 1);
        w.assign(tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps)), eta)));
      });
    });
  }

  getState(): Float32Array[] {
    return [...this.#m, ...this.#v].map((v) => (v.dataSync() as Float32Array).slice());
  }

  slots(): readonly tf.Variable[] {
    return [...this.#m, ...this.#v];
  }

  setState(variables: readonly tf.Variable[], state: readonly Float32Array[]): void {
    this.dispose();
    if (state.length === 0) return;
    checkState("Adam", variables, state, 2);
    const n = variables.length;
    this.#m = slotsOf(variables, (v, i) => tf.tensor(state[i], v.shape));
    this.#v = slotsOf(variables, (v, i) => tf.tensor(state[n + i], v.shape));
  }

  dispose(): void {
    for (const v of [...this.#m, ...this.#v]) v.dispose();
    this.#m = [];
    this.#v = [];
  }
}

function withDecay(g: tf.Tensor, w: tf.Tensor, lambda: number): tf.Tensor {
  return lambda > 0 ? tf.add(g, tf.mul(w, lambda)) : g;
}

function checkLengths(
  who: string,
  variables: readonly tf.Variable[],
  grads: readonly tf.Tensor[],
): void {
  if (variables.length !== grads.length) {
    throw new RangeError(`${who}: ${grads.length} gradients for ${variables.length} variables`);
  }
}

function checkState(
  who: string,
  variables: readonly tf.Variable[],
  state: readonly Float32Array[],
  per: number,
): void {
  if (state.length !== per * variables.length) {
    throw new RangeError(
      `${who}.setState: ${state.length} arrays for ${variables.length} variables (expected ${
        per * variables.length
      })`,
    );
  }
  state.forEach((a, i) => {
    const v = variables[i % variables.length];
    if (a.length !== v.size) {
      throw new RangeError(
        `${who}.setState: array ${i} has ${a.length} values, variable has ${v.size}`,
      );
    }
  });
}

function checkPositive(who: string, name: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${who}: ${name} must be a positive number, got ${value}`);
  }
}
