/**
 * What every notebook's first cell needs, in one call: the profile (`NOTEBOOK_PROFILE`,
 * default quick for interactive use; `deno task notebooks` sets it), its configuration, the
 * results folder whose saved models and rows the notebook reads (`NOTEBOOK_RESULTS`, default
 * `results/<profile>/`), where its exported figures go (`NOTEBOOK_OUT`, default
 * `<results>/notebooks`), the shared data, the tfjs backend when the notebook trains or scores
 * models, and the experiment contexts.
 *
 * @example
 * ```ts
 * const nb = await notebookPreamble({ backend: true });
 * const result = await run(nb.context("siamese"));
 * ```
 */
import { type SelectedBackend, selectRunBackend } from "./backends/select.ts";
import type { ExperimentName } from "./experiment_names.ts";
import { profileConfig } from "./profiles.ts";
import type { RunConfig } from "./config.ts";
import { resultsDir } from "./data/paths.ts";
import { DataSource } from "./experiments/data_source.ts";
import { experimentContext } from "./experiments/experiment_context.ts";
import type { ExperimentContext } from "./experiments/types.ts";
import { settle } from "./report/display.ts";

/** What {@link notebookPreamble} sets up. */
export interface NotebookPreamble {
  profile: string;
  config: RunConfig;
  /** The results folder read (and, for models, written). */
  outDir: string;
  /** Where the notebook's exported figures go. */
  figuresDir: string;
  data: DataSource;
  /** The active tfjs backend, when asked for. */
  backend?: SelectedBackend;
  /** The context of experiment `name`, logging to the notebook. */
  context(name: ExperimentName): ExperimentContext;
}

/** Read the notebook's environment, load the profile, and say what was chosen. */
export async function notebookPreamble(
  options: { backend?: boolean } = {},
): Promise<NotebookPreamble> {
  const profile = Deno.env.get("NOTEBOOK_PROFILE") ?? "quick";
  const config = profileConfig(profile);
  const outDir = Deno.env.get("NOTEBOOK_RESULTS") ?? resultsDir(profile);
  const figuresDir = `${Deno.env.get("NOTEBOOK_OUT") ?? `${outDir}/notebooks`}/figures`;
  const data = new DataSource({ evaluation: config.evaluation, seed: config.seed });
  const backend = options.backend ? await selectRunBackend("auto") : undefined;
  console.log(`profile ${profile}, seed ${config.seed}, results ${outDir}`);
  if (backend) console.log(`backend ${backend.name}: ${backend.info}`);
  await settle();
  return {
    profile,
    config,
    outDir,
    figuresDir,
    data,
    backend,
    context: (name) =>
      experimentContext(config, name, {
        data,
        outDir,
        backend: backend?.name,
        log: (line) => console.log(line),
      }),
  };
}
