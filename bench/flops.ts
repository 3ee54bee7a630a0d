/**
 * Analytic FLOP counts of the bench's nets: multiply-adds x 2 of the convolutions and dense
 * layers, so that backends compare on work done (GFLOP/s), not on kernels.
 */
import { towerShapes, type TowerSpec } from "../lib/models/koch.ts";

/** Multiply-adds x 2 of each conv and dense layer of the tower, per image, forward pass. */
export function layerFlops(spec: TowerSpec): number[] {
  const flops: number[] = [];
  let channels = 1;
  const shapes = towerShapes(spec);
  spec.convs.forEach((c, i) => {
    const side = shapes[i].conv;
    flops.push(2 * side * side * c.filters * c.kernel * c.kernel * channels);
    channels = c.filters;
  });
  const last = shapes[shapes.length - 1];
  flops.push(2 * last.out * last.out * last.channels * spec.dense);
  return flops;
}

/** FLOPs of embedding `images` images (tower forward pass). */
export function embedFlops(spec: TowerSpec, images: number): number {
  return images * layerFlops(spec).reduce((a, b) => a + b, 0);
}

/**
 * FLOPs of one training step on `pairs` pairs: forward, the weight gradient of every layer
 * (as much work as its forward pass) and the input gradient of every layer but the first
 * (the images need none), for both images of each pair; plus the head's dense layer.
 */
export function trainStepFlops(spec: TowerSpec, pairs: number): number {
  return 2 * pairs * trainImageFlops(spec) + 3 * pairs * 2 * spec.dense;
}

/** FLOPs of training on one image: forward, weight gradients, input gradients but the first. */
export function trainImageFlops(spec: TowerSpec): number {
  const layers = layerFlops(spec);
  return 3 * layers.reduce((a, b) => a + b, 0) - layers[0];
}
