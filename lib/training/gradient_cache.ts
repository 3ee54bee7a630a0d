/**
 * Memory-bounded training steps by gradient caching (Gao et al. 2021, "Scaling deep
 * contrastive learning batch size under memory limited setup"). An in-batch loss (every
 * pair of a P x K batch for the Siamese net, the miners' triplets) needs the whole batch's
 * embeddings at once, but taping a forward pass of 128 images of 105x105 keeps gigabytes of
 * activations (the paper net's first convolution alone outputs 128 x 96 x 96 x 64 floats,
 * 302 MB). So a step runs in three phases:
 *
 * 1. embed the batch chunk by chunk with no tape (each chunk's activations freed at once);
 * 2. compute the loss on the gathered embeddings, taped, and its gradient with respect to
 *    them (and to the weights used after the embedding: the head, an embedding batch norm);
 * 3. run each chunk again under the tape and back-propagate that chunk's slice of the
 *    embeddings' gradient (the vector-Jacobian product of sum(f(x) * dy)), summing the
 *    weight gradients over chunks.
 *
 * The result is the unchunked step's gradient up to float rounding, for any loss of the
 * embeddings: the loss sees the whole batch, so mining, focal weights and class balance are
 * those of the whole batch. The cost is one extra forward pass per step.
 *
 * Batch norm: a batch-norm layer inside the chunked part would normalise with per-chunk
 * statistics (and update its moving averages once per chunk and pass), which is not the
 * unchunked step, so such a model is refused ({@link ChunkingError}). Batch norm after the
 * last weighted layer (the triplet net's embedding batch norm) is moved to phase 2: it runs
 * once on the gathered embeddings, with the whole batch's statistics, as unchunked.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { explainOutOfMemory } from "./out_of_memory.ts";

/** The model cannot be trained in chunks without changing what a step computes. */
export class ChunkingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChunkingError";
  }
}

/** A model split for chunking: `trunk` runs per chunk, `tail` once on the gathered outputs. */
export interface ChunkSplit {
  trunk: tfl.layers.Layer[];
  tail: tfl.layers.Layer[];
}

/** The step's loss and the gradients of every variable it used, by variable name. */
export interface StepGradients {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

const isBatchNorm = (layer: tfl.layers.Layer) => layer.getClassName() === "BatchNormalization";

/**
 * Split `model`'s layers: the tail starts at the first batch-norm layer after the last
 * layer that holds other weights (a kernel); everything before is the trunk.
 * @throws {ChunkingError} when batch norm sits inside the trunk (per-chunk statistics).
 */
export function splitForChunks(model: tfl.LayersModel): ChunkSplit {
  const layers = model.layers;
  let lastWeighted = -1;
  layers.forEach((l, i) => {
    if (!isBatchNorm(l) && l.trainableWeights.length > 0) lastWeighted = i;
  });
  let cut = layers.length;
  for (let i = lastWeighted + 1; i < layers.length; i++) {
    if (isBatchNorm(layers[i])) {
      cut = i;
      break;
    }
  }
  const trunk = layers.slice(0, cut), tail = layers.slice(cut);
  const inner = trunk.filter(isBatchNorm);
  if (inner.length > 0) {
    throw new ChunkingError(
      `model ${model.name} has batch norm inside the layers a chunked step runs chunk by chunk ` +
        `(${inner.map((l) => l.name).join(", ")}): each chunk would be normalised with its own ` +
        `statistics, so the step would not be the whole batch's. Train it unchunked (no --chunk, ` +
        `no chunkImages) or use a tower without convolutional batch norm (the paper's has none).`,
    );
  }
  return { trunk, tail };
}

/** Apply `layers` in order, in training mode. */
export function applyLayers(layers: readonly tfl.layers.Layer[], x: tf.Tensor): tf.Tensor {
  return layers.reduce((h, l) => l.apply(h, { training: true }) as tf.Tensor, x);
}

/**
 * The model's training-mode output on `images` as a step computes it: whole, or with
 * `chunkImages` set as {@link chunkedModelGradients} does, the trunk chunk by chunk and the tail
 * once on the gathered features. Untaped use (reading the outputs ahead of a step); batch norm
 * updates its moving statistics.
 */
export function stepForward(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  chunkImages?: number,
): tf.Tensor {
  if (!chunkImages) return model.apply(images, { training: true }) as tf.Tensor;
  const { trunk, tail } = splitForChunks(model);
  return tf.tidy(() =>
    applyLayers(tail, chunkedFeatures(images, chunkImages, (x) => applyLayers(trunk, x)))
  );
}

/** Images `[start, start + chunk)` of `images`, clipped at its end. */
function chunkOf(images: tf.Tensor4D, start: number, chunk: number): tf.Tensor4D {
  return tf.slice(images, [start, 0, 0, 0], [Math.min(chunk, images.shape[0] - start), -1, -1, -1]);
}

/** `trunk` on each chunk of `images`, untaped, gathered into one batch of features. */
function chunkedFeatures(
  images: tf.Tensor4D,
  chunk: number,
  trunk: (images: tf.Tensor4D) => tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < images.shape[0]; start += chunk) {
      parts.push(tf.tidy(() => trunk(chunkOf(images, start, chunk))));
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  });
}

/** Options of {@link cachedGradients}. */
export interface CachedGradientsOptions {
  /** The images of the step, `[n, s, s, 1]`. */
  images: tf.Tensor4D;
  /** Images per chunk (the last chunk may be smaller). */
  chunkImages: number;
  /** Training-mode forward of one chunk: images -> features `[chunk, d]`. */
  trunk: (images: tf.Tensor4D) => tf.Tensor;
  /** The variables the trunk trains. */
  trunkVariables: readonly tf.Variable[];
  /** The whole batch's loss from the gathered features `[n, d]`. */
  loss: (features: tf.Tensor) => tf.Scalar;
  /** The variables the loss trains besides the features (head, embedding batch norm). */
  lossVariables: readonly tf.Variable[];
  /** The model the trunk runs, for the out-of-memory message's estimate. */
  model?: tfl.LayersModel;
}

/**
 * The loss of a batch and its weight gradients, computed chunk by chunk (see the module
 * comment); equal to `tf.variableGrads(() => loss(trunk(images)), variables)` up to rounding.
 * Call it inside `tf.tidy`: the returned tensors are the caller's.
 */
export function cachedGradients(options: CachedGradientsOptions): StepGradients {
  const { images, trunk, trunkVariables, loss, lossVariables } = options;
  const n = images.shape[0];
  const chunk = options.chunkImages;
  if (!(Number.isInteger(chunk) && chunk >= 1)) {
    throw new RangeError(`cachedGradients: chunkImages must be a positive integer, got ${chunk}`);
  }
  const starts = Array.from({ length: Math.ceil(n / chunk) }, (_, i) => i * chunk);
  const slice = (start: number) => chunkOf(images, start, chunk);
  const guard = <T>(stage: string, body: () => T): T => {
    try {
      return body();
    } catch (err) {
      throw explainOutOfMemory(err, {
        stage,
        model: options.model,
        images: Math.min(chunk, n),
        taped: stage.includes("backward"),
        chunkImages: chunk,
      });
    }
  };

  // Phase 1: features of every chunk, no tape (no gradient scope is open here).
  const features = guard(
    "the chunked forward pass (no tape)",
    () => chunkedFeatures(images, chunk, trunk),
  );

  // Phase 2: the whole batch's loss and its gradient with respect to the features.
  const cached = tf.variable(features, true);
  features.dispose();
  let value: tf.Scalar, lossGrads: tf.NamedTensorMap, upstream: tf.Tensor;
  try {
    ({ value, grads: lossGrads } = tf.variableGrads(
      () => loss(cached),
      [...lossVariables, cached],
    ));
    upstream = lossGrads[cached.name] ?? tf.zerosLike(cached);
    delete lossGrads[cached.name];
  } finally {
    cached.dispose();
  }

  // Phase 3: each chunk again, taped, back-propagating its slice of the upstream gradient.
  let sums: tf.Tensor[] | null = null;
  for (const start of starts) {
    const next: tf.Tensor[] = guard(
      `the backward pass of the chunk at image ${start} (taped)`,
      () =>
        tf.tidy(() => {
          const dy = tf.slice(upstream, [start, 0], [Math.min(chunk, n - start), -1]);
          const { grads } = tf.variableGrads(
            () => tf.sum(tf.mul(trunk(slice(start)), dy)) as tf.Scalar,
            [...trunkVariables],
          );
          return trunkVariables.map((v, i) => {
            const g = grads[v.name] ?? tf.zerosLike(v);
            return sums ? tf.add(sums[i], g) : g;
          });
        }),
    );
    sums?.forEach((t) => t.dispose());
    sums = next;
  }
  upstream.dispose();

  const grads: tf.NamedTensorMap = { ...lossGrads };
  trunkVariables.forEach((v, i) => {
    const g = sums![i];
    grads[v.name] = grads[v.name] ? tf.add(grads[v.name], g) : g;
  });
  return { value, grads };
}

/**
 * {@link cachedGradients} for a layers model whose output feeds an in-batch loss: the model's
 * trunk (see {@link splitForChunks}) runs in chunks, its tail (an embedding batch norm, the
 * L2 normalisation after it) once on the gathered features inside the loss.
 *
 * @param extraVariables variables of the loss beyond the model (the Siamese head's).
 */
export function chunkedModelGradients(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  chunkImages: number,
  loss: (outputs: tf.Tensor) => tf.Scalar,
  extraVariables: readonly tf.Variable[] = [],
): StepGradients {
  const { trunk, tail } = splitForChunks(model);
  const variablesOf = (layers: readonly tfl.layers.Layer[]) =>
    layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  return cachedGradients({
    images,
    chunkImages,
    trunk: (x) => applyLayers(trunk, x),
    trunkVariables: variablesOf(trunk),
    loss: (features) => loss(applyLayers(tail, features)),
    lossVariables: [...variablesOf(tail), ...extraVariables],
    model,
  });
}
