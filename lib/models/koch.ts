/**
 * The convolutional tower of Koch et al. (2015), section 3.1, and scaled versions of it.
 *
 * Paper network (Figure 4): 105x105x1 -> conv 64@10x10 ReLU -> maxpool 2 -> conv 128@7x7
 * ReLU -> maxpool 2 -> conv 128@4x4 ReLU -> maxpool 2 -> conv 256@4x4 ReLU -> flatten ->
 * dense 4096 sigmoid. The two towers of the Siamese net share these weights; the head
 * (`buildSiameseHead`) is p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { fuseBatchNormTraining } from "./batch_norm_training.ts";
import { skipInputGradient } from "./input_conv.ts";
import { ResidualBlock, TOWER_RESIDUAL_KERNEL } from "./residual_block.ts";
import { isDropoutRate, SeededDropout } from "./seeded_dropout.ts";
import type { Rng } from "../rng.ts";

/** One convolution stage of the tower. */
export interface ConvSpec {
  /** Number of filters. */
  filters: number;
  /** Square kernel side. */
  kernel: number;
  /** Follow the ReLU with a 2x2 max-pool (stride 2). */
  pool: boolean;
  /**
   * Residual blocks after the stage (after its pool), each two same-padded convolutions of the
   * stage's width around an identity (residual_block.ts), without batch norm; unset, none.
   */
  residual?: number;
}

/** A tower: the same code builds the paper's net and the smaller profiles' nets. */
export interface TowerSpec {
  /** Name used in logs, model folders and the bench (`koch-105`, `standard`, ...). */
  name: string;
  /** Input side in pixels; input shape `[batch, inputSize, inputSize, 1]`. */
  inputSize: number;
  /** Convolution stages, in order. */
  convs: ConvSpec[];
  /** Width of the final dense layer (the embedding / feature vector). */
  dense: number;
  /** Activation of the final dense layer: `sigmoid` in the paper, `linear` for embeddings. */
  denseActivation: "sigmoid" | "linear" | "relu";
  /** Batch normalisation after each convolution (not in the paper; helps small nets train fast). */
  batchNorm?: boolean;
  /**
   * Weight initialisation: `koch` is section 3.2 (conv weights N(0, 0.01), biases
   * N(0.5, 0.01), dense weights N(0, 0.2)); `he` is He-normal weights and zero biases.
   */
  init: "koch" | "he";
  /**
   * Dropout on the flattened last map, before the final dense layer (seeded_dropout.ts): the
   * share of its values zeroed at each training step. Unset: none (every profile). Not in the
   * paper.
   */
  dropout?: number;
}

/** The paper's network, 38,951,745 parameters with the Siamese head. */
export const KOCH_105: TowerSpec = {
  name: "koch-105",
  inputSize: 105,
  convs: [
    { filters: 64, kernel: 10, pool: true },
    { filters: 128, kernel: 7, pool: true },
    { filters: 128, kernel: 4, pool: true },
    { filters: 256, kernel: 4, pool: false },
  ],
  dense: 4096,
  denseActivation: "sigmoid",
  init: "koch",
};

/**
 * The paper's reduced setting (section 4.4 trains on Omniglot downsampled by 3 to 35x35),
 * narrowed so a CPU trains it within the standard profile's budget.
 */
export const STANDARD_35: TowerSpec = {
  name: "standard",
  inputSize: 35,
  convs: [
    { filters: 32, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: true },
  ],
  dense: 128,
  denseActivation: "sigmoid",
  batchNorm: true,
  init: "he",
};

/**
 * Build the tower as a tfjs-layers model mapping `[batch, s, s, 1]` to `[batch, dense]`.
 * Initial weights are drawn from seeds taken from `rng`, so one seed fixes them.
 */
export function buildTower(spec: TowerSpec, rng: Rng): tfl.Sequential {
  checkSpec(spec);
  const seed = () => rng.int(2 ** 31 - 1);
  const kernelInit = (fanIn: number, dense: boolean) =>
    spec.init === "koch"
      ? tfl.initializers.randomNormal({ mean: 0, stddev: dense ? 0.2 : 0.01, seed: seed() })
      : tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanIn), seed: seed() });
  const biasInit = () =>
    spec.init === "koch"
      ? tfl.initializers.randomNormal({ mean: 0.5, stddev: 0.01, seed: seed() })
      : tfl.initializers.zeros();
  const model = tfl.sequential({ name: `tower_${spec.name.replace(/[^A-Za-z0-9_]/g, "_")}` });
  let channels = 1;
  spec.convs.forEach((c, i) => {
    model.add(tfl.layers.conv2d({
      ...(i === 0 ? { inputShape: [spec.inputSize, spec.inputSize, 1] } : {}),
      filters: c.filters,
      kernelSize: c.kernel,
      padding: "valid",
      activation: spec.batchNorm ? "linear" : "relu",
      useBias: !spec.batchNorm,
      kernelInitializer: kernelInit(c.kernel * c.kernel * channels, false),
      biasInitializer: biasInit(),
      name: `conv${i + 1}`,
    }));
    if (spec.batchNorm) {
      const bn = tfl.layers.batchNormalization({ name: `bn${i + 1}`, momentum: 0.9 });
      fuseBatchNormTraining(bn);
      model.add(bn);
      model.add(tfl.layers.activation({ activation: "relu", name: `relu${i + 1}` }));
    }
    if (c.pool) {
      model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i + 1}` }));
    }
    for (let r = 1; r <= (c.residual ?? 0); r++) {
      const name = `res${i + 1}_${r}`;
      model.add(new ResidualBlock({ name, kernel: TOWER_RESIDUAL_KERNEL, seed: seed() }));
    }
    channels = c.filters;
  });
  model.add(tfl.layers.flatten({ name: "flatten" }));
  if (spec.dropout !== undefined) {
    model.add(new SeededDropout({ name: "dropout", rate: spec.dropout, seed: seed() }));
  }
  const flat = towerFlatSize(spec);
  model.add(tfl.layers.dense({
    units: spec.dense,
    activation: spec.denseActivation,
    kernelInitializer: kernelInit(flat, true),
    biasInitializer: biasInit(),
    name: "features",
  }));
  // Batch norm makes the convolutions linear, which tfjs differentiates with the images'
  // gradient included; the first layer's input is the images, so that gradient is waste.
  if (spec.batchNorm) skipInputGradient(model.layers[0]);
  return model;
}

/**
 * The Siamese head: p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b), a dense layer of one
 * unit applied to the componentwise L1 distance of the two feature vectors.
 * Input `[pairs, dense]` (that distance), output `[pairs, 1]` (probability "same").
 */
export function buildSiameseHead(spec: TowerSpec, rng: Rng): tfl.Sequential {
  const seed = () => rng.int(2 ** 31 - 1);
  const model = tfl.sequential({ name: "siamese_head" });
  model.add(tfl.layers.dense({
    inputShape: [spec.dense],
    units: 1,
    activation: "linear",
    kernelInitializer: spec.init === "koch"
      ? tfl.initializers.randomNormal({ mean: 0, stddev: 0.2, seed: seed() })
      : tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(1 / spec.dense), seed: seed() }),
    biasInitializer: spec.init === "koch"
      ? tfl.initializers.randomNormal({ mean: 0.5, stddev: 0.01, seed: seed() })
      : tfl.initializers.zeros(),
    name: "weighted_l1",
  }));
  return model;
}

/** Side of each feature map after each conv stage (valid convolutions, 2x2 pools). */
export function towerShapes(spec: TowerSpec): { conv: number; out: number; channels: number }[] {
  let side = spec.inputSize;
  return spec.convs.map((c) => {
    const conv = side - c.kernel + 1;
    side = c.pool ? Math.floor(conv / 2) : conv;
    return { conv, out: side, channels: c.filters };
  });
}

/** Length of the flattened last feature map. */
export function towerFlatSize(spec: TowerSpec): number {
  const last = towerShapes(spec).at(-1)!;
  return last.out * last.out * last.channels;
}

/** Number of trainable parameters of a layers model. */
export function countParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1),
    0,
  );
}

function checkSpec(spec: TowerSpec): void {
  if (spec.dropout !== undefined && !isDropoutRate(spec.dropout)) {
    throw new RangeError(
      `TowerSpec ${spec.name}: dropout must be above 0 and below 1, got ${spec.dropout}`,
    );
  }
  let side = spec.inputSize;
  for (const [i, c] of spec.convs.entries()) {
    const blocks = c.residual ?? 0;
    if (!(Number.isInteger(blocks) && blocks >= 0)) {
      const stage = `conv${i + 1}`;
      throw new RangeError(
        `TowerSpec ${spec.name}: ${stage}'s residual must be a whole number of blocks, got ${blocks}`,
      );
    }
    side = side - c.kernel + 1;
    if (side < 1) {
      throw new RangeError(
        `TowerSpec ${spec.name}: conv${i + 1} (${c.kernel}x${c.kernel}) leaves no pixels`,
      );
    }
    if (c.pool) side = Math.floor(side / 2);
    if (side < 1) throw new RangeError(`TowerSpec ${spec.name}: pool${i + 1} leaves no pixels`);
  }
}

/** Make TypeScript see `tf` as used (kernels register through it on import). */
export type Tensor = tf.Tensor;
