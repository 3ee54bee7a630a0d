/**
 * The training loop, top to bottom: for each step draw that step's batch, take the
 * gradient of the loss, update; every `validateEvery` steps validate, keep the best
 * weights, write a checkpoint, and stop when validation has stalled for `patience`
 * validations, the steps run out, or the time budget is spent. At the end the best
 * weights are put back (Koch et al. section 3.2 keep the model with the best
 * validation one-shot accuracy).
 *
 * The loop knows nothing about Siamese nets or triplets: it gets the models, a batch
 * function and a loss. Batches must depend only on the step index (derive their random
 * stream from it), which is what makes a resumed run equal to an uninterrupted one.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { Progress } from "../report/progress.ts";
import {
  type Checkpoint,
  type HistoryPoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
import { EarlyStopping } from "./early_stopping.ts";
import { onHost, useTrainingBackend } from "../backends/host_reads.ts";
import { explainOutOfMemory, type OutOfMemoryContext } from "./out_of_memory.ts";
import type { Optimizer } from "./schedules.ts";
import { sharpnessAwareGradients } from "./sharpness.ts";
import { flushesAfter, flushSubnormals } from "./subnormals.ts";
import { WeightAverage } from "./weight_average.ts";

/** The loss went NaN, infinite or exploded: training cannot go on with these settings. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** Options of {@link train}. */
export interface TrainOptions<B> {
  /** The models whose weights are trained, snapshotted and checkpointed (in this order). */
  models: tfl.LayersModel[];
  optimizer: Optimizer;
  /**
   * The batch of step `step` (0-based). Called inside a `tf.tidy`, so tensors made here
   * are freed after the step. Must depend on `step` only (derive randomness from it).
   */
  batch: (step: number) => B;
  /**
   * The scalar loss of a batch, in training mode (taped for gradients). `moved`: the second
   * pass of a sharpness-aware step, at moved weights (its loss is not the step's: statistics
   * kept per step should skip it).
   */
  loss: (batch: B, moved?: boolean) => tf.Scalar;
  /**
   * Computes a step's loss and gradients itself instead of taping `loss` (the memory-bounded
   * step of gradient_cache.ts); called inside the step's `tf.tidy`. `moved` as for `loss`.
   */
  gradients?: (batch: B, moved?: boolean) => { value: tf.Scalar; grads: tf.NamedTensorMap };
  /**
   * Sharpness-aware steps (sharpness.ts): the gradient the optimiser applies is taken again at
   * the weights moved this far up the first one. Twice the passes per step. Unset = plain steps.
   */
  sharpness?: number;
  /**
   * Runs before step `step`'s taped pass, outside any tidy, where it may read tensors
   * asynchronously: the triplet miners' distance matrix on a backend that cannot read inside
   * the step (host_reads.ts). Unset = nothing.
   */
  prepare?: (step: number) => Promise<void>;
  /** Images in one taped pass, for the out-of-memory message's estimate (models[0] runs them). */
  imagesPerPass?: number;
  /** Validation accuracy in percent (models in inference mode); higher is better. */
  validate: () => number;
  /**
   * Keep a running average of all weights with this decay (weight_average.ts): validation,
   * early stopping and the returned models then use the averaged weights. Unset = none.
   */
  averageDecay?: number;
  /** Maximum number of steps. */
  steps: number;
  /** Validate (and checkpoint) every this many steps. */
  validateEvery: number;
  /** Stop after this many validations without improvement. */
  patience: number;
  /** Stop once this many training seconds have passed (checked between steps). */
  maxSeconds: number;
  /** Checkpoint file; the run resumes from it when it holds this `configHash`. */
  checkpoint?: { path: string; configHash: string };
  /** Labelled examples (pairs, triplets) per step, for the examples/s in the progress line. */
  examplesPerStep?: number;
  /** A loss above this stops the run as diverged. Default 1e4. */
  maxLoss?: number;
  /** Clock in ms; defaults to `performance.now`. */
  now?: () => number;
  label?: string;
  log?: (line: string) => void;
  quiet?: boolean;
}

/** What a training run did. */
export interface TrainResult {
  /** Steps completed (including those before a resume). */
  steps: number;
  stoppedBy: "steps" | "patience" | "time";
  bestStep: number;
  /** Best validation accuracy (percent). */
  bestAccuracy: number;
  /** Loss and validation curve. */
  history: HistoryPoint[];
  /** Training seconds (including those before a resume). */
  seconds: number;
  /** Step the run resumed from (0 when it started fresh). */
  resumedFrom: number;
  /** Examples per second of training time. */
  examplesPerSecond: number;
}

/** Train `models` until steps, patience or time run out; the best weights are restored at the end. */
export async function train<B>(options: TrainOptions<B>): Promise<TrainResult> {
  const { models, steps, validateEvery, patience } = options;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new RangeError(`train: steps must be a positive integer, got ${steps}`);
  }
  if (!(Number.isInteger(validateEvery) && validateEvery >= 1)) {
    throw new RangeError(`train: validateEvery must be a positive integer, got ${validateEvery}`);
  }
  const trainable = models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
  const state = models.flatMap((m) => m.nonTrainableWeights.map((w) => w.read() as tf.Variable));
  const early = new EarlyStopping({ patience });
  const average = options.averageDecay === undefined ? null : new WeightAverage(
    models.flatMap((m) => m.weights.map((w) => w.read() as tf.Variable)),
    options.averageDecay,
  );
  try {
    return await trainWith(options, trainable, state, early, average);
  } finally {
    average?.dispose();
  }
}

async function trainWith<B>(
  options: TrainOptions<B>,
  trainable: tf.Variable[],
  state: tf.Variable[],
  early: EarlyStopping,
  average: WeightAverage | null,
): Promise<TrainResult> {
  const { models, optimizer, steps, validateEvery, maxSeconds } = options;
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? (() => {});
  const maxLoss = options.maxLoss ?? 1e4;
  // What a step's out-of-memory message says it was running (a chunked step names its chunks).
  const tapedPasses = options.gradients
    ? ""
    : options.sharpness
    ? " (two taped passes over the batch, one after the other)"
    : " (one taped pass over the batch)";
  let history: HistoryPoint[] = [];
  let step = 0;
  let secondsBefore = 0;

  const resumed = options.checkpoint
    ? await tryLoad(options.checkpoint.path, options.checkpoint.configHash, log)
    : null;
  if (resumed) {
    setWeights(models, resumed.weights);
    optimizer.setState(trainable, resumed.optimizer);
    // The config hash names the averaging, so a checkpoint of this run holds its averages.
    if (average) average.setState(resumed.average ?? []);
    early.state = resumed.early;
    history = resumed.history;
    step = resumed.step;
    secondsBefore = resumed.seconds;
    log(
      `  resuming from the checkpoint at step ${step} (best ${
        fmt(early.state.bestAccuracy)
      } at step ${early.state.bestStep})`,
    );
  }
  const resumedFrom = step;
  const start = now();
  const seconds = () => secondsBefore + (now() - start) / 1000;
  const progress = new Progress({
    label: options.label ?? "train",
    total: steps,
    quiet: options.quiet,
    now,
  });
  progress.set(step);

  let lossSum = 0, lossCount = 0;
  let stoppedBy: TrainResult["stoppedBy"] = "steps";
  let validatedAt = step;

  const checkpoint = async () => {
    const accuracy = await onHost(
      [...modelWeights(models), ...(average?.variables() ?? [])],
      () => {
        // With averaging, validation and the best weights are the averaged model's.
        average?.swap();
        try {
          const accuracy = withOutOfMemoryContext(options.validate, {
            stage: `validation after step ${step}`,
          });
          early.update(step, accuracy, () => getWeights(models));
          return accuracy;
        } finally {
          average?.swap();
        }
      },
    );
    history.push({
      step,
      loss: lossCount ? lossSum / lossCount : NaN,
      accuracy,
      seconds: seconds(),
    });
    lossSum = lossCount = 0;
    validatedAt = step;
    if (options.checkpoint) {
      const state = await onHost(
        [...modelWeights(models), ...optimizer.slots(), ...(average?.variables() ?? [])],
        () => ({
          weights: getWeights(models),
          optimizer: optimizer.getState(),
          average: average?.getState(),
        }),
      );
      await saveCheckpoint(options.checkpoint.path, {
        step,
        seconds: seconds(),
        configHash: options.checkpoint.configHash,
        ...state,
        early: early.state,
        history,
      });
    }
  };

  while (step < steps && !early.shouldStop) {
    if (seconds() >= maxSeconds) {
      stoppedBy = "time";
      break;
    }
    await useTrainingBackend();
    await options.prepare?.(step);
    const loss = withOutOfMemoryContext(() =>
      tf.tidy(() => {
        const batch = options.batch(step);
        const gradientsAt = (moved: boolean) =>
          options.gradients
            ? options.gradients(batch, moved)
            : tf.variableGrads(() => options.loss(batch, moved), trainable);
        const first = gradientsAt(false);
        const value = first.value;
        const grads = options.sharpness
          ? sharpnessAwareGradients(
            trainable,
            first.grads,
            options.sharpness,
            () => gradientsAt(true).grads,
            state,
          )
          : first.grads;
        optimizer.apply(trainable, trainable.map((v) => grads[v.name]), step);
        // wasm has no flush-to-zero: weights that decay into subnormals slow every convolution.
        if (flushesAfter(step)) flushSubnormals([...trainable, ...optimizer.slots()]);
        average?.update(step);
        return value;
      }), {
      stage: `training step ${step}${tapedPasses}`,
      model: models[0],
      images: options.imagesPerPass,
      taped: true,
      chunkImages: options.gradients ? options.imagesPerPass : undefined,
    });
    // Read asynchronously: the webgpu backend cannot read synchronously in Deno (host_reads.ts).
    const lossValue = (await loss.data())[0];
    loss.dispose();
    if (!Number.isFinite(lossValue) || lossValue > maxLoss) {
      throw new TrainingDivergedError(
        `training diverged at step ${step}: loss ${lossValue}` +
          (Number.isFinite(lossValue) ? ` is above ${maxLoss}` : "") +
          "; lower the learning rate or check the inputs (the last checkpoint is from before this step)",
      );
    }
    step++;
    lossSum += lossValue;
    lossCount++;
    const perSecond = options.examplesPerStep
      ? ` ${
        ((options.examplesPerStep * (step - resumedFrom)) / Math.max(1e-9, (now() - start) / 1000))
          .toFixed(0)
      }/s`
      : "";
    if (step % validateEvery === 0) {
      await checkpoint();
      const last = history[history.length - 1];
      progress.set(
        step,
        `loss ${last.loss.toFixed(3)} val ${fmt(last.accuracy!)} best ${
          fmt(early.state.bestAccuracy)
        }${perSecond}`,
      );
    } else {
      progress.set(step, `loss ${lossValue.toFixed(3)}${perSecond}`);
    }
  }
  if (early.shouldStop) stoppedBy = "patience";
  // Validate the steps after the last validation too, so a time stop loses no progress.
  if (validatedAt !== step) await checkpoint();
  progress.finish(
    `best ${fmt(early.state.bestAccuracy)} at step ${early.state.bestStep} (${stoppedBy})`,
  );
  if (early.state.bestWeights) setWeights(models, early.state.bestWeights);
  // What follows training (evaluation, saving) reads synchronously: on the host backend.
  await onHost(modelWeights(models), () => {});
  const total = seconds();
  return {
    steps: step,
    stoppedBy,
    bestStep: early.state.bestStep,
    bestAccuracy: early.state.bestAccuracy,
    history,
    seconds: total,
    resumedFrom,
    examplesPerSecond: (options.examplesPerStep ?? 0) * (step - resumedFrom) /
      Math.max(1e-9, total - secondsBefore),
  };
}

/** All weights of `models` (trainable and not), as tensors. */
function modelWeights(models: readonly tfl.LayersModel[]): tf.Tensor[] {
  return models.flatMap((m) => m.weights.map((w) => w.read()));
}

/** Copies of all weights of `models` (trainable and not, e.g. batch-norm statistics), in order. */
export function getWeights(models: readonly tfl.LayersModel[]): Float32Array[] {
  return models.flatMap((m) => m.weights.map((w) => (w.read().dataSync() as Float32Array).slice()));
}

/** Overwrite all weights of `models` from {@link getWeights}' arrays. */
export function setWeights(
  models: readonly tfl.LayersModel[],
  arrays: readonly Float32Array[],
): void {
  const weights = models.flatMap((m) => m.weights);
  if (weights.length !== arrays.length) {
    throw new RangeError(`setWeights: ${arrays.length} arrays for ${weights.length} weights`);
  }
  weights.forEach((w, i) => {
    const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    if (arrays[i].length !== size) {
      throw new RangeError(
        `setWeights: array ${i} has ${arrays[i].length} values, ${w.name} has ${size}`,
      );
    }
    tf.tidy(() => {
      w.write(tf.tensor(arrays[i], w.shape as number[]));
    });
  });
}

/** `body()`, with an out-of-memory failure rethrown as the explained {@link OutOfMemoryError}. */
function withOutOfMemoryContext<T>(body: () => T, context: OutOfMemoryContext): T {
  try {
    return body();
  } catch (err) {
    throw explainOutOfMemory(err, context);
  }
}

async function tryLoad(
  path: string,
  configHash: string,
  log: (line: string) => void,
): Promise<Checkpoint | null> {
  try {
    return await loadCheckpoint(path, configHash);
  } catch (err) {
    // A checkpoint only saves time: batches depend on the step alone, so starting over
    // gives the numbers an uninterrupted run gives. Never resume from a damaged one.
    log(
      `  warning: the checkpoint ${path} cannot be used (${(err as Error).message}); ` +
        `training starts again from step 0 and will reach the same result, only later`,
    );
    return null;
  }
}

function fmt(accuracy: number): string {
  return Number.isFinite(accuracy) ? `${accuracy.toFixed(1)}%` : "-";
}
