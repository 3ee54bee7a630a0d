/**
 * Beyond a single model (issue 13 invites it, in rows of their own): every one-shot model the run
 * saved, scored with shifted views (each image's features averaged over it and its four one-pixel
 * shifts, test_time_views.ts), and ensembles of those models (score_ensemble.ts). Nothing trains,
 * and nothing here was chosen on a test protocol: the views and the members were fixed before any
 * number was read, and koch-val (validation) is scored beside lake-runs, koch-400 and mnist-400,
 * so the report shows on validation whether each helps. The single-model rows stay the models'
 * numbers; these rows carry no paper number (the paper has no ensemble).
 */
import type { OneShotTask } from "../episodes/one_shot.ts";
import { scoreOneShot, type TrialScores } from "../evaluation/one_shot.ts";
import { oneShotRow } from "../evaluation/rows.ts";
import { ensembleScores } from "../evaluation/score_ensemble.ts";
import type { OneShotRow } from "../report/tables.ts";
import { modelsDir } from "./model_store.ts";
import { loadSavedModels, type SavedModel } from "./saved_models.ts";
import type { ExperimentContext, ExperimentResult } from "./types.ts";

/** Suffix of the method of a row scored with shifted views. */
export const VIEWS = " + views";

/** An ensemble: its method name and the methods of its members. */
export interface EnsembleSpec {
  method: string;
  members: string[];
}

/**
 * The ensembles scored, fixed in advance: the triplet miners together (when two or more were
 * trained), and every saved model together.
 */
export function ensembles(models: readonly SavedModel[]): EnsembleSpec[] {
  const triplet = models.filter((m) => m.experiment === "triplet").map((m) => m.method);
  const all = models.map((m) => m.method);
  return [
    ...(triplet.length >= 2 ? [{ method: triplet.join(" + "), members: triplet }] : []),
    ...(all.length >= 2 && all.length > triplet.length
      ? [{ method: `all ${all.length} models`, members: all }]
      : []),
  ];
}

/** Rows of shifted views and ensembles on `tasks`, for `models` (disposed by the caller). */
export function beyondRows(
  models: readonly SavedModel[],
  tasks: readonly OneShotTask[],
): OneShotRow[] {
  const rows: OneShotRow[] = [];
  const specs = ensembles(models);
  for (const task of tasks) {
    const plain = new Map<string, TrialScores>();
    const views = new Map<string, TrialScores>();
    for (const m of models) {
      plain.set(m.method, m.scores(task));
      views.set(m.method, m.viewScores(task));
    }
    const row = (scores: TrialScores, method: string) =>
      oneShotRow(scoreOneShot(task, scores), { experiment: "ensemble", method });
    for (const m of models) rows.push(row(views.get(m.method)!, m.method + VIEWS));
    for (const e of specs) {
      rows.push(row(ensembleScores(e.members.map((k) => plain.get(k)!)), e.method));
      rows.push(row(ensembleScores(e.members.map((k) => views.get(k)!)), e.method + VIEWS));
    }
  }
  return rows;
}

/** Scores the saved models with shifted views and in ensembles on the one-shot protocols. */
export async function run(context: ExperimentContext): Promise<ExperimentResult> {
  // A 105x105 slice on a CPU backend (run_slice.ts) cannot afford five passes per image.
  if (context.config.slice?.evaluation === "one-shot") {
    const why = "ensemble: skipped in a one-shot-only slice (views cost five passes per image)";
    context.log(`  ${why}`);
    return { oneShot: [], verification: [], figures: [], details: { skipped: [why] } };
  }
  const tasks = await context.data.ensembleTasks();
  const mnist = await context.data.mnistTask();
  const models = await loadSavedModels(
    context.outDir,
    context.config.triplet.miners,
    mnist.bank.size,
    { sameTower: true },
  );
  if (models.length === 0) {
    throw new Error(
      `no one-shot model under ${modelsDir(context.outDir)}/; run the siamese, triplet or ` +
        `same-tower experiment of this profile first (e.g. --only siamese,triplet,ensemble)`,
    );
  }
  const started = performance.now();
  let oneShot: OneShotRow[];
  try {
    oneShot = beyondRows(models, tasks);
  } finally {
    for (const m of models) m.dispose();
  }
  for (const r of oneShot) {
    context.log(
      `  ${r.method.padEnd(58)} ${r.dataset}/${r.protocol}: ${r.accuracy.toFixed(2)}%`,
    );
  }
  return {
    oneShot,
    verification: [],
    figures: [],
    details: {
      models: models.map((m) => m.method),
      ensembles: ensembles(models),
      views: "the image and its four one-pixel shifts",
      seconds: (performance.now() - started) / 1000,
    },
  };
}
