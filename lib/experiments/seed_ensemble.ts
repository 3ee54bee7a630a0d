/**
 * Ensembles over seeds (`deno task seeds`, issue 13's "ensembles welcome as their own rows"):
 * each model `seeds` trains, once per seed, scored with its seeds' nets together
 * (score_ensemble.ts), plain and with shifted views (test_time_views.ts). Every seed's net is
 * scored on the same trials, the first seed's episodes, so that the ensemble and its members read
 * on one set of trials; koch-val (validation) is scored beside the test protocols. Nothing trains
 * and nothing is chosen: the members are every seed given.
 */
import type { OneShotTask } from "../episodes/one_shot.ts";
import { scoreOneShot, type TrialScores } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import { ensembleScores } from "../evaluation/score_ensemble.ts";
import { readResultsFolder } from "../report/results.ts";
import type { OneShotRow } from "../report/tables.ts";
import { DataSource } from "./data_source.ts";
import { VIEWS } from "./ensemble.ts";
import { modelsDir } from "./model_store.ts";
import { loadSavedModels, type SavedModel } from "./saved_models.ts";

/** The `experiment` column of these rows. */
export const SEED_ENSEMBLE_EXPERIMENT = "seed-ensemble";

/** One seed's saved models. */
export interface SeedModels {
  seed: number;
  models: readonly SavedModel[];
}

/** The method of a member's row: `triplet-batch-hard, seed 2`. */
export function memberMethod(method: string, seed: number): string {
  return `${method}, seed ${seed}`;
}

/** The method of an ensemble's row: `triplet-batch-hard, seeds 1+2+3`. */
export function ensembleMethod(method: string, seeds: readonly number[]): string {
  return `${method}, seeds ${seeds.join("+")}`;
}

/**
 * For each model every seed saved (in the first seed's order) and each task: each seed's net
 * alone, the seeds' nets together, and together with shifted views. A model some seed lacks is
 * left out.
 * @throws {RangeError} with fewer than two seeds (an ensemble of one is its member).
 */
export function seedEnsembleRows(
  bySeed: readonly SeedModels[],
  tasks: readonly OneShotTask[],
): OneShotRow[] {
  if (bySeed.length < 2) {
    throw new RangeError(`seedEnsembleRows needs two seeds or more, got ${bySeed.length}`);
  }
  const seeds = bySeed.map((s) => s.seed);
  const methods = bySeed[0].models.map((m) => m.method)
    .filter((method) => bySeed.every((s) => s.models.some((m) => m.method === method)));
  const rows: OneShotRow[] = [];
  for (const method of methods) {
    const members = bySeed.map((s) => s.models.find((m) => m.method === method)!);
    for (const task of tasks) {
      const row = (scores: TrialScores, name: string) =>
        oneShotRow(scoreOneShot(task, scores), {
          experiment: SEED_ENSEMBLE_EXPERIMENT,
          method: name,
        });
      const plain = members.map((m) => m.scores(task));
      plain.forEach((s, i) => rows.push(row(s, memberMethod(method, seeds[i]))));
      rows.push(row(ensembleScores(plain), ensembleMethod(method, seeds)));
      rows.push(
        row(
          ensembleScores(members.map((m) => m.viewScores(task))),
          ensembleMethod(method, seeds) + VIEWS,
        ),
      );
    }
  }
  return rows;
}

/**
 * Loads the models each seed's run saved under `dirs` (each a `deno task reproduce --out` folder
 * of the same profile) and scores {@link seedEnsembleRows} on the first seed's lake-runs,
 * koch-400, koch-val and mnist-400. `selectBackend` runs once every folder is seen to hold a
 * `models/` folder. Returns undefined, having loaded nothing, when some folder has none.
 */
export async function scoreSeedEnsembles(
  dirs: readonly { seed: number; dir: string }[],
  miners: readonly string[],
  selectBackend: () => Promise<unknown>,
): Promise<OneShotRow[] | undefined> {
  for (const { dir } of dirs) {
    try {
      if (!(await Deno.stat(modelsDir(dir))).isDirectory) return undefined;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }
  const { record, config } = await readResultsFolder(dirs[0].dir);
  const size = config.evaluation.imageSize;
  await selectBackend();
  const bySeed: SeedModels[] = [];
  try {
    for (const { seed, dir } of dirs) {
      const models = await loadSavedModels(dir, miners, size);
      bySeed.push({ seed, models });
      if (models.length === 0) return undefined;
    }
    const data = new DataSource({ evaluation: config.evaluation, seed: record.seed, quiet: true });
    return seedEnsembleRows(bySeed, await data.ensembleTasks());
  } finally {
    for (const s of bySeed) for (const m of s.models) m.dispose();
  }
}
