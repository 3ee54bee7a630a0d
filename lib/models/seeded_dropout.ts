/**
 * Dropout (Srivastava et al. 2014) whose masks come from a seeded stream, for validation studies
 * (`--set triplet.tower.dropout=0.2`: the flattened last map before the features layer). tfjs's
 * own Dropout layer draws from an unseeded generator (a run could not be repeated) or, given a
 * seed, draws the same mask at every call; this one draws a fresh seed from its stream at each
 * training-mode call, so one run seed fixes every mask. Outside training it passes its input
 * through. Not in the paper. The stream is not checkpointed: a run resumed from a checkpoint
 * draws its masks again from the stream's start (its batches, named by step, are the same).
 *
 * A step that runs the tower more than once over its images draws new masks at each run. The
 * memory-bounded step (`chunkImages`) recomputes each chunk's forward pass under the tape, so it
 * would differentiate through masks other than the ones its features were computed with:
 * {@link dropoutProblem} refuses that combination. On webgpu the triplet miners and the Siamese
 * net's read-ahead settings run one untaped forward pass before the step (mine_ahead.ts,
 * siamese_ahead.ts), so there the triplets or pairs are chosen under other masks than the step's
 * (every study here ran on wasm, where the step mines its own forward pass).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Rng } from "../rng.ts";

/** True for a dropout rate a tower can train with: above 0, below 1. */
export function isDropoutRate(rate: number): boolean {
  return Number.isFinite(rate) && rate > 0 && rate < 1;
}

/** Arguments of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  name?: string;
  /** Share of the inputs zeroed at each training call (the rest scaled by 1 / (1 - rate)). */
  rate: number;
  /** Seed of the stream the masks are drawn from. */
  seed: number;
}

/** `[batch, ...]` -> the same shape: inverted dropout in training mode, the identity otherwise. */
export class SeededDropout extends tfl.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  readonly seed: number;
  #masks: Rng;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!isDropoutRate(args.rate)) {
      throw new RangeError(`SeededDropout: rate must be above 0 and below 1, got ${args.rate}`);
    }
    this.rate = args.rate;
    this.seed = args.seed;
    this.#masks = new Rng(args.seed, "dropout");
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { [key: string]: unknown }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs?.training !== true) return x;
    const seed = this.#masks.int(2 ** 31 - 1);
    return tf.tidy(() => {
      const draws = tf.randomUniform(x.shape, 0, 1, "float32", seed);
      const kept = tf.cast(tf.greaterEqual(draws, this.rate), "float32");
      return tf.mul(x, tf.mul(kept, 1 / (1 - this.rate)));
    });
  }

  /** What a saved layer is rebuilt from (tfjs's default `fromConfig` calls the constructor). */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/**
 * Why a training block cannot use its tower's dropout, or `null` when it can (or has none): checked
 * by the trainers, and by `tune` at parsing so that such a study exits 2 before any data loads.
 */
export function dropoutProblem(
  config: { tower: { dropout?: number }; chunkImages?: number },
): string | null {
  if (config.tower.dropout === undefined || !config.chunkImages) return null;
  return "tower.dropout cannot be combined with chunkImages (--chunk): the memory-bounded step " +
    "recomputes each chunk's forward pass, which would draw other masks";
}
