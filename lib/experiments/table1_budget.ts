/** The `table1` experiment's points and per-model budgets. */
import type { RunConfig, SiameseConfig } from "../config.ts";
import type { Profile } from "../profile_names.ts";

/** Table 1's points and each model's budget: a `siamese.table1` block's shape. */
export type Table1Budget = SiameseConfig["table1"];

/**
 * The `table1` experiment's points and budgets where a profile's differ from its in-run
 * `siamese.table1` block (whose pool batch size they keep). Constants here rather than a config
 * block, so the run's config, and its identity (run_identity.ts), stay what they were: an
 * `--only table1` run adds to an existing results folder. The paper profile has none: its block
 * is Table 1 in full already (200 epochs, patience 20).
 *
 * Each model trains until validation (320 one-shot tasks on the validation alphabets, about a
 * second) has not improved for `patience` validations, or its step bound, or its time net.
 *
 * - standard: 30k, 90k and 150k pairs, with and without distortions (6 models), each at most
 *   3,000 steps of 128 pairs, validated every 50 steps, stopped after 10 validations (500 steps)
 *   without improvement. 3,000 x 128 = 384,000 pairs drawn: 12.8 passes over the 30k pool, 4.3
 *   over the 90k one, 2.6 over the 150k one (the paper: up to 200 epochs, patience 20 epochs),
 *   four times the 750 steps of the first budget, every one of whose models had run into its step
 *   bound. A model trained at 3.0-3.3 steps/s here (100 steps in 30.5-33.2 s, 2 wasm threads,
 *   alone under the shared lock, 2026-12-04), so a model that never stops early takes 16-17 min
 *   and the six at most 100 min: an experiment of its own, outside the default run's hour. The
 *   time net, 45 min a model, does not bind on a machine at 0.6x that speed (27 min): a safety
 *   net, never the bound. Measured (clean clone of `03733fb`, 2026-12-04): every model stopped by
 *   patience, after 1,600-2,400 steps and 9-14 min, 70 min for the six; verification 86.80-89.21%.
 * - quick: one tiny point (2,000 pairs, distorted) of 30 steps, validated every 10 with patience
 *   2, so tests run training, the stop, verification and the report in seconds. No claims.
 */
export const TABLE1_BUDGETS: Partial<Record<Profile, Omit<Table1Budget, "batchPairs">>> = {
  quick: {
    trainPairs: [2_000],
    distortions: [true],
    steps: 30,
    validateEvery: 10,
    patience: 2,
    maxSeconds: 120,
  },
  standard: {
    trainPairs: [30_000, 90_000, 150_000],
    distortions: [false, true],
    steps: 3_000,
    validateEvery: 50,
    patience: 10,
    maxSeconds: 45 * 60,
  },
};

/**
 * The `table1` experiment's points and per-model budget: the profile's `TABLE1_BUDGETS` (else
 * its `siamese.table1` block) with the block's pool batch size, capped by a slice's
 * `--max-steps` and `--max-minutes` as every other model is. The models train with the Siamese
 * block's tower, loss, optimiser and rate schedule, as the in-run Table 1 models do.
 */
export function table1Config(config: RunConfig): Table1Budget {
  const block = config.siamese.table1;
  const own = TABLE1_BUDGETS[config.profile];
  // applySlice has capped the block already; the constants are capped here.
  if (!own) return structuredClone(block);
  const slice = config.slice;
  return {
    ...structuredClone(own),
    batchPairs: block.batchPairs,
    steps: Math.min(own.steps, slice?.maxSteps ?? Infinity),
    maxSeconds: Math.min(
      own.maxSeconds,
      slice?.maxMinutes === undefined ? Infinity : slice.maxMinutes * 60,
    ),
  };
}
