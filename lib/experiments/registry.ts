/**
 * The experiments `reproduce` can run, by the name docs/interface.md gives, in the order they run
 * (`table1` only when `--only` names it).
 */
import type { ExperimentName } from "../experiment_names.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";
import * as baseline from "./baseline.ts";
import * as ensemble from "./ensemble.ts";
import * as mnist from "./mnist.ts";
import * as sameTower from "./same_tower.ts";
import * as siamese from "./siamese.ts";
import * as table1 from "./table1.ts";
import * as triplet from "./triplet.ts";

/** A runnable experiment. */
export type Experiment = { run: (context: ExperimentContext) => Promise<ExperimentResult> };

/** Name -> module. */
export const EXPERIMENT_MODULES: Record<ExperimentName, Experiment> = {
  baseline,
  siamese,
  triplet,
  "same-tower": sameTower,
  ensemble,
  mnist,
  table1,
};
