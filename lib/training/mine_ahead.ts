/**
 * Triplets mined ahead of a taped step, for backends that cannot read a tensor inside it
 * (webgpu in Deno, host_reads.ts): the step's forward pass runs once more without a tape
 * (chunked as the step is), its distance matrix is read asynchronously and the miner picks
 * from those values; the taped step then computes its loss from the given triplets. The extra
 * pass runs in training mode, so the batch-norm moving statistics it updates are put back:
 * the step updates them once, as everywhere else.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { Mined, TripletLoss } from "../losses/triplet_loss.ts";
import type { Miner } from "../miners/miner.ts";
import { chunkedForward } from "./gradient_cache.ts";

/** What {@link mineAhead} read: the distances, the triplets and the loss they give. */
export interface MinedAhead extends Mined {
  /** The loss of those triplets (the value the taped step will compute). */
  value: number;
}

/** Mines the batch `images` (labels `labels`) for `model`'s next step; see the module comment. */
export async function mineAhead(options: {
  model: tfl.LayersModel;
  loss: TripletLoss;
  miner: Miner;
  images: () => tf.Tensor4D;
  labels: ArrayLike<number>;
  chunkImages?: number;
}): Promise<MinedAhead> {
  const { model, loss, miner, chunkImages } = options;
  const matrix = restoringStatistics([model], () =>
    tf.tidy(() => {
      const images = options.images();
      const embeddings = chunkImages
        ? chunkedForward(model, images, chunkImages)
        : model.apply(images, { training: true }) as tf.Tensor;
      return loss.distance.pairwise(embeddings as tf.Tensor2D);
    }));
  try {
    const distances = await matrix.data() as Float32Array;
    const triplets = miner.mine({ distances, labels: options.labels });
    const value = tf.tidy(() => loss.fromDistances(matrix, triplets));
    const read = (await value.data())[0];
    value.dispose();
    return { distances, triplets, value: read };
  } finally {
    matrix.dispose();
  }
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
