/**
 * A layer-by-layer table of a tower (and the Siamese head), computed from its `TowerSpec`
 * alone: no weights are allocated, so the paper's 38.9M-parameter net is summarised in
 * microseconds. The rows follow `buildTower` / `buildSiameseHead` layer for layer and count
 * trainable parameters as `countParams` does (batch-norm moving statistics are not
 * trainable, so they are not counted).
 *
 * @example
 * ```ts
 * const rows = towerSummary(KOCH_105, { head: true });
 * rows.at(-1); // { layer: "total", ..., params: 38951745 }
 * ```
 */
import { towerFlatSize, towerShapes, type TowerSpec } from "./koch.ts";
import { TOWER_RESIDUAL_KERNEL as K } from "./residual_block.ts";

/** One layer of the summary. */
export interface TowerSummaryRow {
  /** Layer name as `buildTower` names it (`conv1`, `pool1`, `features`, ...), or `total`. */
  layer: string;
  /** What the layer does, e.g. `conv 64@10x10, ReLU`. */
  kind: string;
  /** Output shape of one image, e.g. `96x96x64` (empty for the total). */
  output: string;
  /** Trainable parameters. */
  params: number;
}

/** Options of {@link towerSummary}. */
export interface TowerSummaryOptions {
  /** Add the weighted-L1 head p = sigmoid(sum_j alpha_j |h1_j - h2_j| + b) (default false). */
  head?: boolean;
}

/** The layers of `spec`'s tower (then the head when asked), and a last `total` row. */
export function towerSummary(
  spec: TowerSpec,
  options: TowerSummaryOptions = {},
): TowerSummaryRow[] {
  const rows: TowerSummaryRow[] = [
    { layer: "input", kind: "image", output: `${spec.inputSize}x${spec.inputSize}x1`, params: 0 },
  ];
  let channels = 1;
  towerShapes(spec).forEach((shape, i) => {
    const c = spec.convs[i];
    const map = (side: number) => `${side}x${side}x${c.filters}`;
    const weights = c.kernel * c.kernel * channels * c.filters;
    rows.push({
      layer: `conv${i + 1}`,
      kind: `conv ${c.filters}@${c.kernel}x${c.kernel}${spec.batchNorm ? "" : ", ReLU"}`,
      output: map(shape.conv),
      // With batch norm the convolution has no bias (the norm's beta plays its part).
      params: weights + (spec.batchNorm ? 0 : c.filters),
    });
    if (spec.batchNorm) {
      rows.push({
        layer: `bn${i + 1}`,
        kind: "batch norm, ReLU",
        output: map(shape.conv),
        params: 2 * c.filters,
      });
    }
    if (c.pool) {
      rows.push({ layer: `pool${i + 1}`, kind: "max-pool 2x2", output: map(shape.out), params: 0 });
    }
    for (let r = 1; r <= (c.residual ?? 0); r++) {
      rows.push({
        layer: `res${i + 1}_${r}`,
        kind: `residual 2 x conv ${c.filters}@${K}x${K} same, ReLU`,
        output: map(shape.out),
        params: 2 * (K * K * c.filters * c.filters + c.filters),
      });
    }
    channels = c.filters;
  });
  const flat = towerFlatSize(spec);
  rows.push({ layer: "flatten", kind: "flatten", output: String(flat), params: 0 });
  rows.push({
    layer: "features",
    kind: `dense ${spec.dense}, ${spec.denseActivation}`,
    output: String(spec.dense),
    params: flat * spec.dense + spec.dense,
  });
  if (options.head) {
    rows.push({
      layer: "weighted_l1",
      kind: "sigmoid(sum_j alpha_j |h1_j - h2_j| + b)",
      output: "1",
      params: spec.dense + 1,
    });
  }
  rows.push({
    layer: "total",
    kind: "",
    output: "",
    params: rows.reduce((sum, r) => sum + r.params, 0),
  });
  return rows;
}
