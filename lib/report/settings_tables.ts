/**
 * A profile's training settings as the notebooks show them before training: what a reader
 * changes to train a variant (the saved model then no longer matches and is retrained).
 */
import type { RunConfig, TrainingConfig } from "../config.ts";
import type { TableRow } from "./display.ts";
import { formatSeconds } from "./progress.ts";

/** The images every model sees: their side, and the ink box when they are cut to one. */
export function imagesSetting(config: RunConfig): TableRow {
  const { imageSize, inkBox } = config.evaluation;
  return {
    setting: "images",
    value: `${imageSize}x${imageSize}` +
      (inkBox === undefined
        ? ", as released"
        : `, each cut to the square its ink's bounding box takes ${inkBox} of`),
  };
}

/** The Siamese block, with the verification pairs every method is scored on. */
export function siameseSettingsTable(config: RunConfig): TableRow[] {
  const s = config.siamese;
  return [
    imagesSetting(config),
    {
      setting: "batch",
      value:
        `${s.batchCharacters} characters x ${s.batchDrawings} drawings (${s.batchPerAlphabet} per alphabet)`,
    },
    { setting: "steps (at most)", value: s.steps },
    { setting: "validation", value: `every ${s.validateEvery} steps, patience ${s.patience}` },
    {
      setting: "optimizer",
      value: `${s.optimizer}, learning rate ${s.learningRate}, ${rateSchedule(s)}`,
    },
    { setting: "L2 weight", value: String(s.l2) },
    { setting: "affine distortions", value: s.distortions ? "yes" : "no" },
    { setting: "time budget", value: formatSeconds(s.maxSeconds) },
    { setting: "verification pairs", value: config.evaluation.verificationPairs },
  ];
}

/** The triplet block. */
export function tripletSettingsTable(config: RunConfig): TableRow[] {
  const t = config.triplet;
  return [
    imagesSetting(config),
    {
      setting: "embedding",
      value: `d = ${t.embeddingDim}, L2-normalised${
        t.embeddingBatchNorm ? ", batch-normalised first" : ""
      }`,
    },
    { setting: "tower", value: `${t.tower.name} (${t.tower.inputSize}x${t.tower.inputSize})` },
    { setting: "loss", value: `${t.loss} on ${t.distance}, alpha = ${t.margin}` },
    { setting: "miners (one model each)", value: t.miners.join(", ") },
    {
      setting: "batch",
      value: `P = ${t.batchCharacters} characters x K = ${t.batchDrawings} drawings`,
    },
    {
      setting: "steps (at most)",
      value: `${t.steps}, validation every ${t.validateEvery}, patience ${t.patience}`,
    },
    {
      setting: "learning rate",
      value: `${t.learningRate}, ${rateSchedule(t)}`,
    },
    { setting: "affine distortions", value: t.distortions ? "yes" : "no" },
    { setting: "time budget per model", value: formatSeconds(t.maxSeconds) },
  ];
}

/** How a block's rate falls: its decay per so many steps, or the cosine a study may set. */
function rateSchedule(block: TrainingConfig): string {
  return block.lrSchedule === "cosine"
    ? `cosine to 0 over ${block.steps} steps`
    : `decay ${block.lrDecay} per ${block.decayEvery} steps`;
}
