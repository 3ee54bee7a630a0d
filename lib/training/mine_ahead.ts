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
import { stepForward } from "./gradient_cache.ts";
import { restoringStatistics } from "./read_ahead.ts";

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
      const embeddings = stepForward(model, options.images(), chunkImages) as tf.Tensor2D;
      return loss.distance.pairwise(embeddings);
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
