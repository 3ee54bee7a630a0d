/** A `run.json` record of a run of `config` for the report tests: no timings, versions or commit. */
import type { RunConfig } from "../../lib/config.ts";
import type { RunRecord } from "../../lib/report/results.ts";

export function runRecord(
  config: RunConfig,
  experiments: RunRecord["experiments"] = {},
): RunRecord {
  return {
    profile: config.profile,
    seed: config.seed,
    backend: "wasm",
    backendsSkipped: [],
    startedAt: "",
    finishedAt: "",
    versions: {},
    gitCommit: null,
    command: [],
    config,
    experiments,
  };
}
