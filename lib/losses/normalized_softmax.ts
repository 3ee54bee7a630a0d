/**
 * Normalised-softmax classification of the training characters (Zhai and Wu 2019,
 * "Classification is a strong baseline for deep metric learning"; the "ID loss" that Luo et al.
 * 2019, "Bag of tricks for person re-identification", add to batch-hard): one learned unit
 * vector w_c per training class, logits s <f(x), w_c> over every class, cross-entropy against
 * the image's class. With unit embeddings f(x) the logits are scaled cosines, so the loss pulls
 * each image towards its class's proxy and away from every other class's, not only the few
 * negatives a P x K batch holds.
 *
 * The proxies live in a one-layer model of their own so the training loop trains, averages and
 * checkpoints them with the embedding net; they are thrown away after training.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { unitVectors } from "../distances/unit_vectors.ts";
import type { Rng } from "../rng.ts";

/** Options of {@link NormalizedSoftmax}. */
export interface NormalizedSoftmaxOptions {
  /** Training classes (labels run over 0 .. classes - 1). */
  classes: number;
  /** Embedding dimension d. */
  dimension: number;
  /** Scale s of the cosine logits (1 / temperature). */
  scale: number;
  /** Stream for the proxies' initial values. */
  rng: Rng;
}

/** Cross-entropy of scaled cosines between embeddings and one learned proxy per class. */
export class NormalizedSoftmax {
  readonly classes: number;
  readonly scale: number;
  /** The proxies, `[d, classes]` before normalisation, as a model for the training loop. */
  readonly model: tfl.Sequential;

  constructor(options: NormalizedSoftmaxOptions) {
    const { classes, dimension, scale } = options;
    if (!(Number.isInteger(classes) && classes >= 2)) {
      throw new RangeError(`NormalizedSoftmax: classes must be an integer >= 2, got ${classes}`);
    }
    if (!(Number.isInteger(dimension) && dimension >= 1)) {
      throw new RangeError(
        `NormalizedSoftmax: dimension must be a positive integer, got ${dimension}`,
      );
    }
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw new RangeError(`NormalizedSoftmax: scale must be a positive number, got ${scale}`);
    }
    this.classes = classes;
    this.scale = scale;
    this.model = tfl.sequential({
      name: "class_proxies",
      layers: [tfl.layers.dense({
        inputShape: [dimension],
        units: classes,
        useBias: false,
        name: "proxies",
        // Proxies of unit length on average: Adam moves each coordinate by about the rate per
        // step whatever its size, so the longer a proxy the slower it turns (at a standard
        // deviation of 1, 128 dimensions made them 11x longer and the classification barely
        // fitted: koch-val 76.25 against 82.00 without it).
        kernelInitializer: tfl.initializers.randomNormal({
          mean: 0,
          stddev: 1 / Math.sqrt(dimension),
          seed: options.rng.int(2 ** 31 - 1),
        }),
      })],
    });
  }

  /** The proxies' variable, `[d, classes]`. */
  private get proxies(): tf.Variable {
    return this.model.layers[0].trainableWeights[0].read() as tf.Variable;
  }

  /**
   * Mean cross-entropy of `embeddings` (`[n, d]`, unit rows) against `labels` (`[n]`), a scalar
   * differentiable with respect to the embeddings and the proxies.
   */
  loss(embeddings: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
    const n = embeddings.shape[0];
    if (labels.length !== n) {
      throw new RangeError(`NormalizedSoftmax: ${labels.length} labels for ${n} embeddings`);
    }
    const oneHot = new Float32Array(n * this.classes);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      if (!(Number.isInteger(c) && c >= 0 && c < this.classes)) {
        throw new RangeError(`NormalizedSoftmax: label ${c} outside [0, ${this.classes})`);
      }
      oneHot[i * this.classes + c] = 1;
    }
    return tf.tidy(() => {
      const logits = tf.mul(tf.matMul(embeddings, unitVectors(this.proxies, 0)), this.scale);
      return tf.losses.softmaxCrossEntropy(
        tf.tensor2d(oneHot, [n, this.classes]),
        logits,
      ) as tf.Scalar;
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
