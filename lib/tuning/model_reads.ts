/**
 * What a validation study's model reads of a run's config: the evaluation block (the images every
 * model and koch-val see) and its own training settings: the Siamese block for `siamese`, the
 * derived `sameTowerConfig` for `same-tower` (the triplet block's tower, batch, steps and training
 * characters, the Siamese block's loss and optimiser), the triplet block for a miner. A `--set`
 * that changes the config but nothing the model reads would train the profile's own model under
 * another setting's name, so `deno task tune` refuses it (`unreadOverride`). tune's checks and the
 * study itself take a model's training settings from `studyTrainingConfig`.
 */
import { isDeepStrictEqual } from "node:util";
import type { RunConfig, SiameseConfig, TripletConfig } from "../config.ts";
import { sameTowerConfig } from "../experiments/same_tower_config.ts";
import { dropoutProblem } from "../models/seeded_dropout.ts";
import { batchShapeProblem } from "../training/batches.ts";
import { doppelgangerProblem } from "../training/doppelgangers.ts";
import { tripletTermProblem } from "../training/siamese_triplet_term.ts";
import { applyOverrides, type Override, parseOverride } from "./overrides.ts";
import type { MinerName } from "../miners/by_name.ts";

/** The models a study can train: the Siamese net, its same-tower variant, or a triplet miner. */
export type StudyModel = "siamese" | "same-tower" | MinerName;

/** The training settings `model` trains with under `config`. */
export function studyTrainingConfig(
  model: "siamese" | "same-tower",
  config: RunConfig,
): SiameseConfig;
export function studyTrainingConfig(
  model: StudyModel,
  config: RunConfig,
): SiameseConfig | TripletConfig;
export function studyTrainingConfig(
  model: StudyModel,
  config: RunConfig,
): SiameseConfig | TripletConfig {
  if (model === "siamese") return config.siamese;
  if (model === "same-tower") return sameTowerConfig(config);
  return config.triplet;
}

/**
 * Why the settings `model` trains with under `config` cannot train together (settings that parse
 * one by one), or `null`: the checks its trainer makes, for `tune` to make before any data loads.
 */
export function studyProblem(model: StudyModel, config: RunConfig): string | null {
  if (model === "siamese" || model === "same-tower") {
    const block = studyTrainingConfig(model, config);
    return batchShapeProblem(block) ?? tripletTermProblem(block) ?? dropoutProblem(block);
  }
  const block = config.triplet;
  return batchShapeProblem(block) ?? doppelgangerProblem(block) ?? dropoutProblem(block);
}

/** Where each model's settings come from, for the refusal's message. */
const SOURCES: Record<"siamese" | "same-tower" | "miner", string> = {
  siamese: "it trains on the siamese block",
  "same-tower": "it takes its tower, batch, steps and training characters from the triplet " +
    "block, its loss and optimiser from the siamese block",
  miner: "the triplet miners train on the triplet block",
};

/**
 * Why `override`, applied alone to `defaults`, would not change the model `model` trains, or
 * null when it would (or when it sets a value the profile already has: a no-op, not a mistake).
 * Names the other block's setting of the same name when that one would change the model.
 */
export function unreadOverride(
  model: StudyModel,
  defaults: RunConfig,
  override: Override,
): string | null {
  const reads = (config: RunConfig) => ({
    evaluation: config.evaluation,
    training: studyTrainingConfig(model, config),
  });
  const changes = (o: Override) => {
    const changed = applyOverrides(defaults, [o]);
    return {
      config: !isDeepStrictEqual(changed, defaults),
      model: !isDeepStrictEqual(reads(changed), reads(defaults)),
    };
  };
  const own = changes(override);
  if (!own.config || own.model) return null;
  const text = `${override.path}=${override.value}`;
  const source = SOURCES[model === "siamese" || model === "same-tower" ? model : "miner"];
  const [block, ...rest] = override.path.split(".");
  const other = block === "siamese" ? "triplet" : block === "triplet" ? "siamese" : undefined;
  let instead = "";
  if (other) {
    const alternative = `${other}.${rest.join(".")}`;
    try {
      const alt = parseOverride(`${alternative}=${override.value}`, defaults);
      const altChanges = changes(alt);
      if (altChanges.model) instead = `; set ${alternative} instead`;
      // The other block's setting is read and holds this value already.
      else if (!altChanges.config && changes({ ...alt, value: flipped(alt.value) }).model) {
        instead = `; it reads ${alternative}, ${override.value} already`;
      }
    } catch {
      // The other block has no such setting, or not of this type: nothing to suggest.
    }
  }
  return `--set "${text}" changes nothing the ${model} model trains with (${source})${instead}`;
}

/** Another value of the same type, to ask whether a setting is read at all. */
function flipped(value: Override["value"]): Override["value"] {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + 1;
  return `${value}-other`;
}
