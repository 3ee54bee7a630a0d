/**
 * The one way an experiment's inputs are put together, so that `reproduce`, the notebooks
 * and the tests run an experiment on the same random stream (`root/<name>` of the run seed)
 * and the same data.
 */
import type { ExperimentName } from "../experiment_names.ts";
import type { RunConfig } from "../config.ts";
import { resultsDir } from "../data/paths.ts";
import { Rng } from "../rng.ts";
import { DataSource } from "./data_source.ts";
import type { ExperimentContext } from "./types.ts";

/** What may differ between callers of {@link experimentContext}. */
export interface ContextOptions {
  /** Shared data of the run (default: a new source for `config`). */
  data?: DataSource;
  /** Results folder (default `results/<profile>/`). */
  outDir?: string;
  /** Name of the tfjs backend in use (default "none": pixels only). */
  backend?: string;
  /** Progress and messages (default: none). */
  log?: (line: string) => void;
  /** Silence progress bars. */
  quiet?: boolean;
}

/** The context of experiment `name` of a run of `config`. */
export function experimentContext(
  config: RunConfig,
  name: ExperimentName,
  options: ContextOptions = {},
): ExperimentContext {
  return {
    config,
    rng: new Rng(config.seed).fork(name),
    data: options.data ??
      new DataSource({ evaluation: config.evaluation, seed: config.seed, quiet: options.quiet }),
    backend: options.backend ?? "none",
    outDir: options.outDir ?? resultsDir(config.profile),
    log: options.log ?? (() => {}),
    quiet: options.quiet,
  };
}
