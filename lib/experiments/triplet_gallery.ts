/**
 * The gallery API (lib/gallery.ts) over a triplet model's embedding, and the check the triplet
 * experiment records with each model: the first official run's 20 drawings enrolled as new
 * classes, its 20 queries identified and verified.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ImageSet } from "../data/images.ts";
import type { Omniglot } from "../data/omniglot.ts";
import type { Distance } from "../distances/distance.ts";
import { modelEmbedder } from "../evaluation/embedding_eval.ts";
import { Gallery } from "../gallery.ts";
import { embeddingDimension } from "../models/embedding.ts";

/** The gallery check of a model on the first official run. */
export type GalleryCheck = {
  run: string;
  enrolled: number;
  identified: number;
  verifiedSame: number;
  queries: number;
};

/** A triplet model's embedding net and the distance it was trained with. */
type Embedding = { model: tfl.LayersModel; distance: Distance };

/** An empty gallery over a triplet model's embedding, "same" at distance <= `threshold`. */
export function tripletGallery(model: Embedding, threshold: number): Gallery {
  return new Gallery({
    embed: modelEmbedder(model.model),
    dimension: embeddingDimension(model.model),
    distance: model.distance,
    threshold,
  });
}

/**
 * The gallery API on the first official run: enroll its 20 support drawings as 20 new
 * classes (no retraining), identify its 20 queries, verify each query against its answer.
 */
export function galleryCheck(
  obtained: Embedding,
  omniglot: Omniglot,
  threshold: number,
): GalleryCheck {
  const run = omniglot.runs[0];
  const gallery = tripletGallery(obtained, threshold);
  const one = (set: ImageSet, i: number): ImageSet => ({
    size: set.size,
    count: 1,
    pixels: set.pixels.subarray(i * set.size * set.size, (i + 1) * set.size * set.size),
  });
  for (let c = 0; c < run.training.count; c++) {
    gallery.enroll(`class${String(c + 1).padStart(2, "0")}`, one(run.training, c));
  }
  let identified = 0, verified = 0;
  run.answers.forEach((answer, q) => {
    const label = `class${String(answer + 1).padStart(2, "0")}`;
    if (gallery.identify(one(run.test, q), { top: 1 })[0].label === label) identified++;
    if (gallery.verify(one(run.test, q), one(run.training, answer)).same) verified++;
  });
  return {
    run: run.name,
    enrolled: gallery.size,
    identified,
    verifiedSame: verified,
    queries: run.answers.length,
  };
}
