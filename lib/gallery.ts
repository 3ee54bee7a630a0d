/**
 * A gallery: what the triplet formulation buys over a classifier. New classes are added
 * by embedding a few examples ("enrolling" them), with no retraining; a new image is
 * identified by its nearest enrolled example and two images are verified as the same
 * class when their distance is at most the threshold k calibrated on validation pairs
 * (FaceNet sections 1 and 5: verification by thresholding the distance, recognition by
 * k-NN in the embedding space).
 *
 * @example
 * ```ts
 * const gallery = new Gallery({ embed: modelEmbedder(model), dimension: 128, distance: squaredL2, threshold: 0.9 });
 * gallery.enroll("Tengwar/character03", drawings);   // ImageSet of a few drawings
 * gallery.identify(query)[0];                        // { label, distance } of the best match
 * gallery.verify(a, b);                              // { same, distance }
 * ```
 */
import { min, rollup } from "d3-array";
import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "./data/images.ts";
import type { Distance } from "./distances/distance.ts";
import type { Embedder } from "./evaluation/embedding_eval.ts";

/** Options of {@link Gallery}. */
export interface GalleryOptions {
  /** How images become embeddings (e.g. `modelEmbedder(model)`). */
  embed: Embedder;
  /** Embedding dimension d. */
  dimension: number;
  /** Distance between embeddings (the one the model was trained with). */
  distance: Distance;
  /** Verification threshold k: same class when distance <= k (chosen on validation pairs). */
  threshold: number;
}

/** One candidate of {@link Gallery.identify}. */
export interface Match {
  label: string;
  /** Distance to the nearest enrolled example of `label`. */
  distance: number;
  /** Whether that distance is within the verification threshold. */
  withinThreshold: boolean;
}

/** Outcome of {@link Gallery.verify}. */
export interface Verification {
  same: boolean;
  distance: number;
}

/** Enrolled examples, identification by nearest example, verification by threshold. */
export class Gallery {
  readonly dimension: number;
  readonly distance: Distance;
  readonly #embed: Embedder;
  #threshold: number;
  #labels: string[] = [];
  #rows: Float32Array[] = [];

  constructor(options: GalleryOptions) {
    if (!(Number.isInteger(options.dimension) && options.dimension >= 1)) {
      throw new RangeError(
        `Gallery: dimension must be a positive integer, got ${options.dimension}`,
      );
    }
    this.dimension = options.dimension;
    this.distance = options.distance;
    this.#embed = options.embed;
    this.#threshold = checkThreshold(options.threshold);
  }

  /** The verification threshold k. */
  get threshold(): number {
    return this.#threshold;
  }

  set threshold(k: number) {
    this.#threshold = checkThreshold(k);
  }

  /** Labels enrolled so far, each once, in enrolment order. */
  get labels(): string[] {
    return [...new Set(this.#labels)];
  }

  /** Number of enrolled examples. */
  get size(): number {
    return this.#rows.length;
  }

  /**
   * Add `images` `[count, size, size]` as examples of `label` (a new class needs no
   * retraining). Returns their embeddings, `[count]` vectors of length d.
   */
  enroll(label: string, images: ImageSet): Float32Array[] {
    if (typeof label !== "string" || label === "") {
      throw new TypeError("Gallery.enroll: label must be a non-empty string");
    }
    if (images.count < 1) throw new RangeError(`Gallery.enroll: no images given for "${label}"`);
    const rows = this.#embedAll(images);
    for (const row of rows) {
      this.#labels.push(label);
      this.#rows.push(row);
    }
    return rows;
  }

  /**
   * Enrolled labels ranked by the distance from `image` (`[size, size]`, or an ImageSet of
   * one image) to their nearest example, nearest first. Ties keep enrolment order.
   * @param options.top return only the best `top` labels.
   */
  identify(image: Float32Array | ImageSet, options: { top?: number } = {}): Match[] {
    if (this.#rows.length === 0) {
      throw new RangeError("Gallery.identify: the gallery is empty; enroll some images first");
    }
    const [query] = this.#embedAll(asImageSet(image, "identify"));
    const distances = this.#distances(query, this.#rows);
    const best = rollup(
      this.#labels.map((_, i) => i),
      (rows) => min(rows, (i) => distances[i])!,
      (i) => this.#labels[i],
    );
    const order = this.labels;
    const matches = order.map((label) => ({
      label,
      distance: best.get(label)!,
      withinThreshold: best.get(label)! <= this.#threshold,
    }));
    matches.sort((a, b) =>
      a.distance - b.distance || order.indexOf(a.label) - order.indexOf(b.label)
    );
    return options.top === undefined ? matches : matches.slice(0, options.top);
  }

  /**
   * How often each query's label is the best match, and among the best `top`, over
   * `queries` (one image each).
   */
  identifyAll(
    queries: readonly { image: ImageSet; label: string }[],
    options: { top?: number } = {},
  ): { top1: number; topK: number; queries: number } {
    let top1 = 0, topK = 0;
    for (const q of queries) {
      const matches = this.identify(q.image, { top: options.top ?? 1 });
      if (matches[0]?.label === q.label) top1++;
      if (matches.some((m) => m.label === q.label)) topK++;
    }
    return { top1, topK, queries: queries.length };
  }

  /** Whether `a` and `b` show the same class: distance <= k. */
  verify(a: Float32Array | ImageSet, b: Float32Array | ImageSet): Verification {
    const [ea] = this.#embedAll(asImageSet(a, "verify"));
    const [eb] = this.#embedAll(asImageSet(b, "verify"));
    const [distance] = this.#distances(ea, [eb]);
    return { same: distance <= this.#threshold, distance };
  }

  #embedAll(images: ImageSet): Float32Array[] {
    const flat = this.#embed(images);
    if (flat.length !== images.count * this.dimension) {
      throw new RangeError(
        `Gallery: the embedder returned ${flat.length} values for ${images.count} images of dimension ${this.dimension}`,
      );
    }
    return Array.from(
      { length: images.count },
      (_, i) => flat.slice(i * this.dimension, (i + 1) * this.dimension),
    );
  }

  #distances(query: Float32Array, rows: Float32Array[]): Float32Array {
    const d = this.dimension;
    const stacked = new Float32Array(rows.length * d);
    rows.forEach((r, i) => stacked.set(r, i * d));
    const repeated = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++) repeated.set(query, i * d);
    return tf.tidy(() =>
      this.distance.rowwise(
        tf.tensor2d(repeated, [rows.length, d]),
        tf.tensor2d(stacked, [rows.length, d]),
      )
        .dataSync() as Float32Array
    );
  }
}

function asImageSet(image: Float32Array | ImageSet, who: string): ImageSet {
  if (image instanceof Float32Array) {
    const size = Math.round(Math.sqrt(image.length));
    if (size * size !== image.length) {
      throw new RangeError(`Gallery.${who}: an image must be square, got ${image.length} pixels`);
    }
    return { size, count: 1, pixels: image };
  }
  if (image.count !== 1) {
    throw new RangeError(`Gallery.${who}: expected one image, got ${image.count}`);
  }
  return image;
}

function checkThreshold(k: number): number {
  if (!Number.isFinite(k)) {
    throw new RangeError(`Gallery: threshold must be a finite number, got ${k}`);
  }
  return k;
}
