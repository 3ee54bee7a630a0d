/**
 * What an experiment receives and returns. `lib/experiments/*.ts` each export
 * `run(context) -> ExperimentResult`; `scripts/reproduce.ts` and the notebooks call them
 * alike.
 */
import type { RunConfig } from "../config.ts";
import type { Rng } from "../rng.ts";
import type { OneShotRow, VerificationRow } from "../report/tables.ts";
import type { Figure } from "../report/figure.ts";
import type { DataSource } from "./data_source.ts";

/** Inputs of an experiment run. */
export interface ExperimentContext {
  config: RunConfig;
  /** Stream for this experiment (forked from the run seed by name). */
  rng: Rng;
  /** Lazily loaded, shared data. */
  data: DataSource;
  /** The backend the run selected, which trains (on webgpu evaluation runs on a host backend). */
  backend: string;
  /** `results/<profile>/` (or `--out`): models go under `models/<experiment>/`. */
  outDir: string;
  /** Progress and messages. */
  log: (line: string) => void;
  /** Silence progress bars (tests). */
  quiet?: boolean;
}

/**
 * Outputs of an experiment run. Rows only from what actually ran. `Details` is the
 * experiment's own record (e.g. `SiameseDetails`), so callers read it typed.
 */
export interface ExperimentResult<Details extends object = Record<string, unknown>> {
  oneShot: OneShotRow[];
  verification: VerificationRow[];
  /** Figures to export under `figures/<name>.html`. */
  figures: Figure[];
  /** Free-form, JSON-serialisable facts for `run.json` (steps, best epoch, ...). */
  details: Details;
}
