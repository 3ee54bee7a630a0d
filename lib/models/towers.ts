/**
 * The towers by name: the profiles' own (koch.ts has the paper's and the standard Siamese tower)
 * and the wider, narrower and deeper ones that validation studies try
 * (`--set triplet.tower=<name>`).
 */
import { KOCH_105, STANDARD_35, type TowerSpec } from "./koch.ts";

/** The quick profile's Siamese tower: every code path in seconds. */
export const QUICK_TOWER: TowerSpec = {
  ...STANDARD_35,
  name: "quick",
  convs: [
    { filters: 16, kernel: 3, pool: true },
    { filters: 32, kernel: 3, pool: true },
    { filters: 32, kernel: 3, pool: true },
  ],
  dense: 64,
};

/**
 * The standard triplet tower: no batch norm in the convolutions (twice the steps per second on
 * wasm) and a fourth convolution in place of the last pool, so the embedding sees a 3x3x128 map
 * rather than 2x2x64. The standard batch-hard model on it scores 82.15% [80.4, 83.8] on koch-val
 * (validation, 2,000 trials; 79.95% semi-hard; 79.85 and 79.25 before quarter turns). First picked
 * against the three-convolution tower by a batch-hard comparison on lake-runs (a test protocol);
 * confirmed on validation by 2,000-step batch-hard studies (`deno task tune`, koch-val): this tower
 * 77.20% [75.3, 79.0], the standard Siamese tower (`triplet.tower=standard`) 69.80% [67.8, 71.8].
 */
export const TRIPLET_35: TowerSpec = {
  name: "triplet-35",
  inputSize: STANDARD_35.inputSize,
  convs: [
    { filters: 32, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: false },
    { filters: 128, kernel: 3, pool: false },
  ],
  dense: 128,
  denseActivation: "linear",
  batchNorm: false,
  init: "he",
};

/**
 * `spec` with every convolution's filters times `factor`, named `name`: for validation studies of
 * capacity and of what a step costs.
 */
function scaledWidth(spec: TowerSpec, factor: number, name: string): TowerSpec {
  const convs = spec.convs.map((c) => ({ ...c, filters: Math.round(factor * c.filters) }));
  return { ...spec, name, convs };
}

/** The standard Siamese tower at twice the width (64, 128, 128 filters; about 4x the multiply-adds). */
const STANDARD_WIDE = scaledWidth(STANDARD_35, 2, "standard-wide");

/** The triplet tower at twice the width (64, 128, 128, 256 filters). */
const TRIPLET_WIDE = scaledWidth(TRIPLET_35, 2, "triplet-wide");

/**
 * The triplet tower at half the width (16, 32, 32, 64 filters; about a quarter of the
 * multiply-adds): a training step of 64 images takes 24.8 ms on wasm (2 threads) against 67 for
 * the full width, one of 128 images 49.6 ms (`deno task bench`, 2026-12-05). Batch-hard on it
 * (full-length studies, seed 1) reads koch-val 76.80% at the profile's 16 x 4 batch, 81.20 at
 * 32 x 4 and 81.25 at 60 x 4, against 82.00 and 83.70 for the full width at 16 x 4 and 32 x 4:
 * not a cheaper way to the larger batch.
 */
const TRIPLET_NARROW = scaledWidth(TRIPLET_35, 0.5, "triplet-narrow");

/**
 * The triplet tower one convolution deeper at the same widths: a second 64-filter convolution
 * before the second pool and a second 128-filter one at the end (35 -> 33 -> 16 -> 14 -> 12 -> 6
 * -> 4 -> 2), so the embedding sees a 2x2x128 map through a larger receptive field (about 2x the
 * multiply-adds). Batch-hard on it (full-length study, seed 1) reads koch-val 85.10% against 85.70
 * for the profile's tower, for 1,353 s of training against 754, and 85.95 given 8,250 steps with
 * the decay stretched (2,190 s; docs/studies.md): not kept.
 */
const TRIPLET_DEEP: TowerSpec = {
  ...TRIPLET_35,
  name: "triplet-deep",
  convs: [
    { filters: 32, kernel: 3, pool: true },
    { filters: 64, kernel: 3, pool: false },
    { filters: 64, kernel: 3, pool: true },
    { filters: 128, kernel: 3, pool: false },
    { filters: 128, kernel: 3, pool: false },
  ],
};

/**
 * The triplet tower with a residual block (residual_block.ts) after its second stage: two
 * same-padded 64-filter convolutions around an identity on the 7x7 map, before the two valid
 * convolutions that end it (about 1.6x the multiply-adds). Batch-hard on it (full-length study,
 * seed 1) reads koch-val 85.10% against 85.70 for the profile's tower, mnist-val 85.70 against
 * 83.00, for 1,204 s of training against 754 (docs/studies.md): not kept.
 */
const TRIPLET_RESIDUAL: TowerSpec = {
  ...TRIPLET_35,
  name: "triplet-residual",
  convs: TRIPLET_35.convs.map((c, i) => i === 1 ? { ...c, residual: 1 } : c),
};

/** The towers of the profiles by name, for `--set siamese.tower=<name>` (lib/tuning/overrides.ts). */
export const TOWERS: Readonly<Record<string, TowerSpec>> = {
  [STANDARD_35.name]: STANDARD_35,
  [TRIPLET_35.name]: TRIPLET_35,
  [QUICK_TOWER.name]: QUICK_TOWER,
  [STANDARD_WIDE.name]: STANDARD_WIDE,
  [TRIPLET_WIDE.name]: TRIPLET_WIDE,
  [TRIPLET_NARROW.name]: TRIPLET_NARROW,
  [TRIPLET_DEEP.name]: TRIPLET_DEEP,
  [TRIPLET_RESIDUAL.name]: TRIPLET_RESIDUAL,
  [KOCH_105.name]: KOCH_105,
};
