/**
 * Support-set tuning: before a set of trials is answered, the embedding net is fine-tuned for a
 * few steps on that set's support images alone (one drawing per candidate character), each
 * image with distorted copies of itself as its positives and the other candidates as its
 * negatives, under the batch-hard margin loss the net was trained with; then the trials are
 * answered by the tuned net and the weights are put back before the next set. One-shot learning
 * allows exactly this: the support set is the one labelled example of each class. No query is
 * seen while tuning (not transductive), and each set starts from the trained weights.
 *
 * Within an alphabet the candidates are look-alikes the background alphabets never showed the
 * net; the tuning asks it to pull these particular characters apart while keeping each one's
 * distortions together (the fine-tuning baselines of Chen et al. 2019, "A closer look at
 * few-shot classification", on the triplet loss). Batch norm keeps its trained statistics (the
 * net runs in inference mode while tuning), so twenty images a set cannot shift them.
 *
 * Measured on the standard batch-hard net (koch-val, `deno task support-tuning`): it only lowers
 * accuracy, the more the further it moves the weights (docs/studies.md, "Tuning on each trial set's
 * supports"). No experiment uses it; it stays so that those rows reproduce.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { imageAt, type ImageSet, selectImages } from "../data/images.ts";
import type { Distance } from "../distances/distance.ts";
import type { OneShotTask } from "../episodes/one_shot.ts";
import { TripletMarginLoss } from "../losses/triplet_margin.ts";
import { batchHardMiner } from "../miners/batch_hard.ts";
import type { Rng } from "../rng.ts";
import {
  type DistortionRanges,
  KOCH_DISTORTIONS,
  sampleAffine,
  warpAffine,
} from "../training/augment.ts";
import { getWeights, setWeights } from "../training/loop.ts";
import { embeddingDimension } from "../models/embedding.ts";
import { Adam, constantSchedule } from "../training/schedules.ts";
import { type Embedder, EmbeddingCache, embeddingScores, modelEmbedder } from "./embedding_eval.ts";
import type { TrialScores } from "./one_shot.ts";

/** Options of {@link supportTunedScores}. */
export interface SupportTuningOptions {
  /** Adam steps per support set (0: no tuning, the net's own scores). */
  steps: number;
  /** Images of each candidate per step: the support image itself and `copies - 1` distortions. */
  copies: number;
  /** Adam's constant rate. */
  learningRate: number;
  /** The margin of the batch-hard loss (the triplet block's 0.2). */
  margin: number;
  /** Stream of the distortions. */
  rng: Rng;
  /** Distortion ranges; default the paper's (section 3.2). */
  distortions?: DistortionRanges;
  /**
   * Tune only the last this many layers that have trainable weights (2: the embedding layer and
   * its batch norm); unset = every layer.
   */
  layers?: number;
}

/** The trainable variables of `model`'s last `layers` layers that have any (all when unset). */
export function tunedVariables(model: tfl.LayersModel, layers?: number): tf.Variable[] {
  const withWeights = model.layers.filter((l) => l.trainableWeights.length > 0);
  if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1)) {
    throw new RangeError(`supportTunedScores: layers must be a positive integer, got ${layers}`);
  }
  return withWeights.slice(layers === undefined ? 0 : -layers)
    .flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** How a net embeds the trials' images: one pass each, or e.g. shifted views (test_time_views.ts). */
export type EmbedderOf = (model: tfl.LayersModel) => Embedder;

/** Trials that share one support set (the same candidates in the same order). */
export interface SupportGroup {
  /** The candidates' image indices, joined by commas: names the group's stream of distortions. */
  key: string;
  support: number[];
  /** Indices into `task.trials`. */
  trials: number[];
}

/** The trials of `task` grouped by their support set, in first-use order. */
export function supportGroups(task: OneShotTask): SupportGroup[] {
  const groups = new Map<string, SupportGroup>();
  task.trials.forEach((t, i) => {
    const key = t.support.join(",");
    const group = groups.get(key);
    if (group) group.trials.push(i);
    else groups.set(key, { key, support: t.support, trials: [i] });
  });
  return [...groups.values()];
}

/**
 * One tuning batch of a support set of `ways` images: candidate k's copies at `k * copies + j`,
 * copy 0 the image as it is and the others distorted, labelled k.
 */
export function supportBatch(
  supports: ImageSet,
  copies: number,
  rng: Rng,
  ranges: DistortionRanges = KOCH_DISTORTIONS,
): { images: Float32Array; labels: Int32Array } {
  const { size, count: ways } = supports;
  const n = size * size;
  const images = new Float32Array(ways * copies * n);
  const labels = new Int32Array(ways * copies);
  for (let k = 0; k < ways; k++) {
    const image = imageAt(supports, k);
    for (let j = 0; j < copies; j++) {
      const i = k * copies + j;
      const out = images.subarray(i * n, (i + 1) * n);
      labels[i] = k;
      if (j === 0) out.set(image);
      else warpAffine(image, size, sampleAffine(rng, size, ranges), out);
    }
  }
  return { images, labels };
}

/**
 * `[trials][ways]` similarities (-distance) of `task`, each support set's trials answered by
 * `model` tuned on that set's support images ({@link SupportTuningOptions}). `model`'s weights
 * are the same afterwards as before.
 */
export function supportTunedScores(
  model: tfl.LayersModel,
  distance: Distance,
  task: OneShotTask,
  options: SupportTuningOptions,
): TrialScores {
  return supportTunedScoreSets(model, distance, task, options, [modelEmbedder])[0];
}

/**
 * {@link supportTunedScores} once per way of embedding the trials' images after one tuning per
 * support set: `[embedders][trials][ways]`.
 */
export function supportTunedScoreSets(
  model: tfl.LayersModel,
  distance: Distance,
  task: OneShotTask,
  options: SupportTuningOptions,
  embedders: readonly EmbedderOf[],
): TrialScores[] {
  const { steps, copies, learningRate } = options;
  if (!(Number.isInteger(steps) && steps >= 0)) {
    throw new RangeError(`supportTunedScores: steps must be a whole number, got ${steps}`);
  }
  if (!(Number.isInteger(copies) && copies >= 2)) {
    throw new RangeError(`supportTunedScores: copies must be an integer >= 2, got ${copies}`);
  }
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new RangeError(`supportTunedScores: learningRate must be positive, got ${learningRate}`);
  }
  const loss = new TripletMarginLoss({ distance, margin: options.margin });
  const embeds = embedders.map((of) => of(model));
  const dimension = embeddingDimension(model);
  const trainable = tunedVariables(model, options.layers);
  const trained = getWeights([model]);
  const scores: TrialScores[] = embeds.map(() => new Array(task.trials.length));
  const size = task.bank.size;
  for (const { key, support, trials } of supportGroups(task)) {
    const supports = selectImages(task.bank, support);
    const optimizer = new Adam({ schedule: constantSchedule(learningRate) });
    // Named by the set, not its position: a set's scores do not depend on the sets before it.
    const rng = options.rng.fork(key);
    try {
      for (let step = 0; step < steps; step++) {
        const batch = supportBatch(supports, copies, rng.fork(String(step)), options.distortions);
        tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [batch.labels.length, size, size, 1]);
          const { grads } = tf.variableGrads(
            () =>
              loss.compute(
                model.apply(x, { training: false }) as tf.Tensor2D,
                batch.labels,
                batchHardMiner,
              ).loss,
            trainable,
          );
          optimizer.apply(trainable, trainable.map((v) => grads[v.name]), step);
        });
      }
      // The set's trials, answered by the tuned net (a fresh cache: the weights are this set's).
      const own = { ...task, trials: trials.map((i) => task.trials[i]) };
      embeds.forEach((embed, e) => {
        const cache = new EmbeddingCache({ embed, dimension });
        embeddingScores(own, { cache, distance }).forEach((row, r) => {
          scores[e][trials[r]] = row;
        });
      });
    } finally {
      optimizer.dispose();
      setWeights([model], trained);
    }
  }
  return scores;
}
