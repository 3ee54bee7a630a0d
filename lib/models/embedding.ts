/**
 * The embedding net of the triplet formulation (FaceNet, Schroff et al. 2015, section 3):
 * the same convolutional tower as the Siamese net (`buildTower`), its last dense layer
 * linear and `dimension` wide, followed by L2 normalisation so that f(x) lies on the unit
 * hypersphere ("we constrain this embedding to live on the d-dimensional hypersphere,
 * i.e. ||f(x)||_2 = 1"). Squared distances then lie in [0, 4] and a margin of 0.2 means
 * the same thing whatever the scale of the tower's output.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import type { Rng } from "../rng.ts";
import { unitVectors } from "../distances/unit_vectors.ts";
import { buildTower, type TowerSpec } from "./koch.ts";
import { explainOutOfMemory } from "../training/out_of_memory.ts";

/** x / ||x||_2 along the last axis, as a layer (saved in model.json and restored by name). */
export class L2Normalize extends tfl.layers.Layer {
  static className = "L2Normalize";

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return unitVectors(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(L2Normalize);

/** Options of {@link buildEmbeddingNet}. */
export interface EmbeddingNetOptions {
  /** Embedding dimension d (replaces the tower's dense width). */
  dimension: number;
  /** Stream for the initial weights. */
  rng: Rng;
  /**
   * Batch-normalise the embedding before the L2 normalisation. It centres the features, so
   * a shared offset (the dense bias, a common direction of all images) cannot put every
   * image at one point of the sphere: without it batch-hard mining falls into that collapse
   * from the first steps (all hardest triplets active, d(a,p) = d(a,n)).
   */
  batchNorm?: boolean;
}

/**
 * The tower of `spec` ending in a linear `dimension`-wide layer (optionally batch-normalised)
 * and L2 normalisation:
 * `[batch, s, s, 1]` -> `[batch, dimension]` unit vectors.
 *
 * @example
 * ```ts
 * const net = buildEmbeddingNet(STANDARD_35, { dimension: 128, rng: new Rng(1) });
 * const f = net.apply(images, { training: true }) as tf.Tensor2D; // rows of norm 1
 * ```
 */
export function buildEmbeddingNet(spec: TowerSpec, options: EmbeddingNetOptions): tfl.Sequential {
  const { dimension } = options;
  if (!(Number.isInteger(dimension) && dimension >= 1)) {
    throw new RangeError(
      `buildEmbeddingNet: dimension must be a positive integer, got ${dimension}`,
    );
  }
  const model = buildTower(embeddingTowerSpec(spec, dimension), options.rng);
  if (options.batchNorm) {
    model.add(tfl.layers.batchNormalization({ name: "embedding_bn", momentum: 0.9 }));
  }
  model.add(new L2Normalize({ name: "l2_normalize" }));
  return model;
}

/** The tower spec an embedding of `dimension` uses: `spec` with a linear dense layer of that width. */
export function embeddingTowerSpec(spec: TowerSpec, dimension: number): TowerSpec {
  return { ...spec, dense: dimension, denseActivation: "linear" };
}

/** Options of {@link embedImages}. */
export interface EmbedOptions {
  /**
   * Images per forward pass (bounds memory). Default 256, and 32 from 105x105 on: 256 paper-size
   * images put 604 MB in the first convolution's output alone.
   */
  batchSize?: number;
}

/**
 * Embeddings of `count` images `[count, size, size]` (row-major floats) in inference mode,
 * batched: `[count, d]` as a flat Float32Array.
 */
export function embedImages(
  model: tfl.LayersModel,
  images: { pixels: Float32Array; count: number; size: number },
  options: EmbedOptions = {},
): Float32Array {
  const { size, count } = images;
  const batchSize = options.batchSize ?? (size >= 105 ? 32 : 256);
  const per = size * size;
  if (images.pixels.length < count * per) {
    throw new RangeError(
      `embedImages: ${images.pixels.length} pixels for ${count} images of ${size}x${size}`,
    );
  }
  const dimension = embeddingDimension(model);
  const out = new Float32Array(count * dimension);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    let values;
    try {
      values = tf.tidy(() => {
        const x = tf.tensor4d(images.pixels.subarray(start * per, end * per), [
          end - start,
          size,
          size,
          1,
        ]);
        return (model.apply(x, { training: false }) as tf.Tensor).dataSync();
      });
    } catch (err) {
      throw explainOutOfMemory(err, {
        stage: `embedding images ${start}-${end - 1} of ${count} (inference)`,
        model,
        images: end - start,
      });
    }
    out.set(values, start * dimension);
  }
  return out;
}

/** Width of a model's output (its embedding dimension). */
export function embeddingDimension(model: tfl.LayersModel): number {
  const shape = model.outputs[0].shape;
  const d = shape[shape.length - 1];
  if (typeof d !== "number") {
    throw new RangeError(`embeddingDimension: output shape [${shape}] has no fixed width`);
  }
  return d;
}
