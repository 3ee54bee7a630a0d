/**
 * What the Siamese net's step reads, read ahead of it, for backends that cannot read a tensor
 * inside a taped step (webgpu in Deno, host_reads.ts): hardest-pair mining picks its pairs from
 * the pairs' logits and the triplet term (siamese_triplet_term.ts) its triplets from the
 * features' distance matrix. The step's forward pass runs once more without a tape (chunked as
 * the step is, batch norm's moving statistics put back), the values are read asynchronously,
 * and the same host functions as on every other backend choose from them; the taped step then
 * takes the choice as given (`hardestWeights`, `mined` of its batch).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Mined } from "../losses/triplet_loss.ts";
import type { SiameseNet } from "../models/siamese_net.ts";
import { stepForward } from "./gradient_cache.ts";
import { hardestPairWeights } from "./hardest_pairs.ts";
import { restoringStatistics } from "./read_ahead.ts";
import { type PairBatchTensors, pairLogits } from "./siamese_loss.ts";
import type { TripletTerm } from "./siamese_triplet_term.ts";

/** The choices a Siamese step reads from its own forward pass, made ahead of it. */
export interface SiameseAhead {
  /** Hardest-pair weights before any focusing (hardest_pairs.ts), `[pairs]`. */
  hardestWeights?: Float32Array;
  /** The triplet term's distances and triplets. */
  mined?: Mined;
}

/**
 * Reads ahead for `batch`: the hardest-pair weights when `hardest`, the triplet term's triplets
 * when `term` is set (else neither is read).
 */
export async function siameseAhead(options: {
  net: SiameseNet;
  batch: PairBatchTensors;
  hardest: boolean;
  term: TripletTerm | null;
  chunkImages?: number;
}): Promise<SiameseAhead> {
  const { net, batch, hardest, term, chunkImages } = options;
  if (hardest && (!batch.same || !batch.left || !batch.right)) {
    throw new RangeError(
      "siameseAhead: hardest-pair mining needs the batch's same, left and right",
    );
  }
  if (term && !batch.labels) {
    throw new RangeError("siameseAhead: the triplet term needs the batch's character labels");
  }
  const [logits, matrix] = restoringStatistics([net.tower, net.head], () =>
    tf.tidy(() => {
      const features = stepForward(net.tower, batch.images, chunkImages) as tf.Tensor2D;
      return [
        hardest ? pairLogits(net.head, features, batch.difference, true) : undefined,
        term ? term.loss.distance.pairwise(features) : undefined,
      ];
    }));
  try {
    const out: SiameseAhead = {};
    if (logits) {
      out.hardestWeights = hardestPairWeights(
        await logits.data(),
        batch.same!,
        batch.left!,
        batch.right!,
        batch.images.shape[0],
      );
    }
    if (matrix && term) {
      const distances = await matrix.data() as Float32Array;
      out.mined = { distances, triplets: term.miner.mine({ distances, labels: batch.labels! }) };
    }
    return out;
  } finally {
    tf.dispose([logits, matrix].filter((t) => t !== undefined));
  }
}
