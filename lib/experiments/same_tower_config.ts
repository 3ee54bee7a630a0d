/** The `same-tower` experiment's training settings, derived from a run's two blocks. */
import type { RunConfig, SiameseConfig } from "../config.ts";

/**
 * How much longer a `same-tower` step takes than a triplet step on the same tower: the Siamese
 * head scores all P K (P K - 1) / 2 pairs and its loss weights them. Measured on the standard
 * profile with --max-steps 200 (wasm, one thread, the 2-core machine shared with other jobs),
 * steps 100-200: 0.198 s per step against 0.182 (batch-hard) and 0.138 (semi-hard) for the
 * triplet miners; 5,500 steps project to 18-19 min (0.198-0.211 s/step), at 64 images a step.
 * Its time safety net is the triplet's scaled by this (60 min on the standard profile, whose 128
 * images a step trained in 15-18 min in studies on 2 threads): a safety net, never the bound.
 */
export const SAME_TOWER_STEP_COST = 4 / 3;

/**
 * The Siamese settings of the `same-tower` experiment: the Siamese net's loss, focal weighting,
 * optimiser, L2, distortions and rate schedule, with batch-hard's choice of pairs (each
 * image's hardest positive and negative), on the triplet experiment's tower (its
 * convolutions, batch norm and init; its embedding end, linear, batch norm and L2 normalisation,
 * as wide as the triplet embedding, compared by the cosine head) for the triplet's batch, steps,
 * validation interval and patience, so that the loss is what differs (trained on the same
 * characters: the triplet block's quarter turns).
 * Derived rather than a block of its own, so it follows both blocks and a slice's caps on them,
 * and the run's config (its identity, run_identity.ts) stays what it was: an `--only same-tower`
 * rerun adds to an existing results folder, its triplet models reused.
 */
export function sameTowerConfig(config: RunConfig): SiameseConfig {
  const { siamese, triplet } = config;
  const minutes = config.slice?.maxMinutes;
  const head = siamese.head ?? "cosine";
  // Each image's hardest positive and negative pair carry the cross-entropy (hardest_pairs.ts),
  // the pairs batch-hard mines as triplets, unless the Siamese block names a weighting. Chosen on
  // validation (full 5,500-step same-tower studies, seeds 1-3): koch-val 80.90, 80.40, 80.55%
  // (mean 80.62) against 79.45, 77.65, 78.60 (mean 78.57) with every pair, every seed higher;
  // mnist-val 76.60 against 77.47 on the mean. The Siamese net's own head collapses under it
  // (p = 0.5 everywhere, 33.95), so its block keeps every pair.
  const pairMining = siamese.pairMining ?? "hardest";
  return {
    // The Siamese block's optimiser settings (rate, decay, L2). The triplet's instead (Adam at
    // 3e-3, decay 0.9 per 250 steps, no L2; full 5,500-step study, seed 1) read koch-val 78.35%
    // [76.5, 80.1] and mnist-val 74.65 against 79.45 and 76.85, so they stay the Siamese block's.
    ...structuredClone(siamese),
    tower: {
      ...structuredClone(triplet.tower),
      dense: triplet.embeddingDim,
      // Linear before the cosine head's normalisation, sigmoid for the paper's head.
      denseActivation: head === "cosine" ? "linear" : "sigmoid",
    },
    // The triplet's batch (P characters x K drawings, so many per alphabet): the same images a
    // step, so that the loss is what differs.
    batchCharacters: triplet.batchCharacters,
    batchDrawings: triplet.batchDrawings,
    batchPerAlphabet: triplet.batchPerAlphabet,
    steps: triplet.steps,
    validateEvery: triplet.validateEvery,
    patience: triplet.patience,
    // The triplet's net scaled by the step cost, but never past a --max-minutes slice's bound.
    maxSeconds: Math.min(
      Math.round(triplet.maxSeconds * SAME_TOWER_STEP_COST),
      minutes === undefined ? Infinity : minutes * 60,
    ),
    validationTrialsPerAlphabet: triplet.validationTrialsPerAlphabet,
    // The triplet nets' training characters (their quarter turns), so the data is the same too.
    trainingAlphabets: triplet.trainingAlphabets,
    quarterTurns: triplet.quarterTurns,
    mirrors: triplet.mirrors,
    thickStrokes: triplet.thickStrokes,
    elastic: triplet.elastic,
    erasing: triplet.erasing,
    pairMining,
    // The triplet net's geometry too: its linear, batch-normalised, L2-normalised embedding,
    // compared by (weighted) squared distance (cosine_head.ts), unless the Siamese block names a
    // head. Chosen on validation (full 5,500-step same-tower studies, seed 1): koch-val 79.45%
    // [77.6, 81.2] against 71.60 with the paper's sigmoid features and weighted L1 (mnist-val
    // 76.85). The Siamese net on its own tower gains nothing from it (72.05 against 72.80), so
    // its block keeps the paper's head.
    head,
  };
}
