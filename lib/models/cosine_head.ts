/**
 * A second head for the Siamese net (not in the paper): the sigmoid loss of SigLIP (Zhai et al.
 * 2023) on the triplet net's geometry. The tower ends in unit vectors (the triplet embedding's
 * end, embedding.ts) and the head weighs the squared differences of their features,
 *
 *   logit = b + sum_j alpha_j (h1_j - h2_j)^2,
 *
 * starting from alpha_j = -5 and b = 5: since ||h1 - h2||^2 = 2 - 2 cos(h1, h2) for unit
 * vectors, the head starts as 10 cos - 5 (SigLIP's learned temperature of 10 on the cosine)
 * and each feature is then free to weigh on its own. The loss stays the paper's binary
 * cross-entropy over pairs; only the comparison of the two feature vectors differs from
 * Koch et al.'s weighted L1 of sigmoid features.
 */
import * as tfl from "@tensorflow/tfjs-layers";

/** The heads a Siamese net can have. */
export const SIAMESE_HEADS = ["weighted-l1", "cosine"] as const;
export type SiameseHead = typeof SIAMESE_HEADS[number];

/** The cosine head's one layer; its name is how a saved head says which it is. */
export const COSINE_HEAD_LAYER = "weighted_squared_l2";

/** Initial weight of every squared difference (-5: the head starts as 10 cos - 5). */
export const COSINE_HEAD_WEIGHT = -5;
/** Initial bias: a pair is as likely same as not at cos = 0.5. */
export const COSINE_HEAD_BIAS = 5;

/** The cosine head over `dense` features: `[pairs, dense]` squared differences -> `[pairs, 1]` logit. */
export function buildCosineHead(dense: number): tfl.Sequential {
  const model = tfl.sequential({ name: "siamese_head" });
  model.add(tfl.layers.dense({
    inputShape: [dense],
    units: 1,
    activation: "linear",
    kernelInitializer: tfl.initializers.constant({ value: COSINE_HEAD_WEIGHT }),
    biasInitializer: tfl.initializers.constant({ value: COSINE_HEAD_BIAS }),
    name: COSINE_HEAD_LAYER,
  }));
  return model;
}

/** Which head `head` is (built here or loaded from a saved net): read from its layer's name. */
export function headKind(head: tfl.LayersModel): SiameseHead {
  return head.layers[0]?.name === COSINE_HEAD_LAYER ? "cosine" : "weighted-l1";
}
