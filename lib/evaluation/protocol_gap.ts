/**
 * Why a model scores higher on lake-runs (Lake's 20 official runs) than on koch-400 (the
 * paper's section 4.3 construction, seeded): both protocols are scored side by side per
 * alphabet and per run, with the per-trial difficulty of `trial_difficulty.ts`, and the
 * official runs are rebuilt on the evaluation split with one factor at a time (characters,
 * drawers) drawn as koch-400 draws it (`run_variants.ts`). Whatever factor moves a model's
 * accuracy from the lake-runs level to the koch-400 level is the one that makes Lake's runs
 * easier; the rebuilt official runs must score exactly as lake-runs (same pixels), which
 * checks the rebuilding.
 */
import { mean, median, quantile, rollups } from "d3-array";
import type { OmniglotSplit } from "../data/omniglot.ts";
import { EXPECTED } from "../data/splits.ts";
import type { OneShotTask, OneShotTrial } from "../episodes/one_shot.ts";
import {
  type FactorSpreadOptions,
  factorSpreadTask,
  type SpreadFactor,
  spreadGroup,
} from "../episodes/factor_spread_trials.ts";
import type { RunSource } from "../episodes/run_sources.ts";
import { RUN_VARIANTS, runVariantLabel, runVariantTask } from "../episodes/run_variants.ts";
import type { Rng } from "../rng.ts";
import { accuracyByGroup, type GroupAccuracy } from "./accuracy_by_group.ts";
import { scoreOneShot, type TrialScores } from "./one_shot.ts";
import { exemplarTask, trialDifficulty } from "./trial_difficulty.ts";

/** A model (or pixel 1-NN) as the analysis sees it: similarities of a task's candidates. */
export interface GapScorer {
  method: string;
  scores(task: OneShotTask): TrialScores;
}

/** One set of trials the analysis scores. */
export interface Construction {
  /** Column key: `lake-runs`, `koch-400`, `official/random`, ... */
  key: string;
  label: string;
  task: OneShotTask;
}

/** How one scorer does on one construction. */
export interface ConstructionSummary {
  key: string;
  trials: number;
  /** Percent, with its 95% Wilson interval. */
  accuracy: number;
  ciLow: number;
  ciHigh: number;
  /** Median of the right candidate's and of the best wrong candidate's similarity. */
  medianCorrect: number;
  medianBestWrong: number;
  /** Median and 10th percentile of right minus best wrong. */
  medianMargin: number;
  q10Margin: number;
  /** Mean wrong candidates scoring >= the right one. */
  meanRivals: number;
  /** Mean wrong candidates at least as close to the right candidate's image as the query. */
  meanLookAlikes: number;
  /** Percent of trials with at least one such look-alike. */
  withLookAlike: number;
  /** Accuracy per alphabet. */
  byAlphabet: GroupAccuracy[];
  /** Accuracy per trial group (run for the lake-runs layouts, alphabet for koch-400). */
  byGroup: GroupAccuracy[];
}

/** Lake's choice of a factor for one unit (alphabet or run) among random choices. */
export interface UnitSpread {
  unit: string;
  /** Percent, Lake's choice. */
  lake: number;
  /** Percent, over the random draws: mean, lowest, highest. */
  randomMean: number;
  randomMin: number;
  randomMax: number;
  /** Random draws scoring strictly below Lake's, and how many there are. */
  below: number;
  draws: number;
}

/** {@link UnitSpread} for every unit, and over all of them. */
export interface FactorSpread {
  trialsPerDraw: number;
  units: UnitSpread[];
  /** Mean over units of Lake's choice's accuracy. */
  lakeMean: number;
  /**
   * Mean over units of random draw i's accuracy, i = 1..draws: what one koch-style draw per
   * unit scores on these trials.
   */
  randomMeans: number[];
  /** Percent of `randomMeans` strictly below `lakeMean`. */
  lakePercentile: number;
}

/** One scorer's results on every construction. */
export interface MethodGap {
  method: string;
  constructions: ConstructionSummary[];
  /** Lake's characters and Lake's drawers among random draws, when the input asked for them. */
  spreads?: Record<SpreadFactor, FactorSpread>;
  /** Accuracy by query drawer and by support drawer (1-based, `01`..`20`) on random/random. */
  drawers: { query: GroupAccuracy[]; support: GroupAccuracy[] };
}

/** How an alphabet's trials were drawn in each protocol (no model involved). */
export interface AlphabetDraw {
  alphabet: string;
  /** Characters the alphabet has. */
  characters: number;
  /** Distinct characters over the alphabet's official runs, and whether all runs share them. */
  lakeCharacters: number;
  lakeRunsShareCharacters: boolean;
  /** Drawers (1-based) of the official runs, `support->query` per run. */
  lakeDrawers: string[];
  /** Distinct characters of koch-400's trials on the alphabet, and how many are also Lake's. */
  kochCharacters: number;
  kochOverlap: number;
  /** Drawers (1-based) of koch-400's trials on the alphabet, `A<->B` per draw. */
  kochDrawers: string[];
}

/** The whole analysis. */
export interface ProtocolGap {
  constructions: { key: string; label: string; trials: number }[];
  draws: AlphabetDraw[];
  runs: RunSource[];
  methods: MethodGap[];
}

/** Inputs of {@link protocolGap}. */
export interface ProtocolGapInput {
  scorers: readonly GapScorer[];
  /** lake-runs as the experiments score it (images from all_runs.zip). */
  lakeRuns: OneShotTask;
  /** koch-400 as the experiments score it (the run's seed). */
  koch400: OneShotTask;
  /** The evaluation split that koch-400 indexes and the runs were located in. */
  split: OmniglotSplit;
  sources: readonly RunSource[];
  /** Draws the random factors of the rebuilt runs. */
  rng: Rng;
  /** Fresh draws of every run per variant with a random factor. */
  repeats: number;
  /** Rank Lake's characters and drawers among random draws (`factor_spread_trials.ts`). */
  spreads?: FactorSpreadOptions;
}

/** The constructions scored: lake-runs, the four run variants, koch-400. */
export function gapConstructions(input: Omit<ProtocolGapInput, "scorers">): Construction[] {
  return [
    { key: "lake-runs", label: "lake-runs (all_runs.zip)", task: input.lakeRuns },
    ...RUN_VARIANTS.map((v) => ({
      key: `${v.characters}/${v.drawers}`,
      label: runVariantLabel(v) +
        (v.characters === "official" && v.drawers === "official"
          ? " (lake-runs rebuilt from images_evaluation)"
          : ""),
      task: runVariantTask(
        input.split,
        input.sources,
        v,
        input.rng.fork(`${v.characters}/${v.drawers}`),
        input.repeats,
      ),
    })),
    { key: "koch-400", label: "koch-400 (seeded)", task: input.koch400 },
  ];
}

/** Score every construction with every scorer. */
export function protocolGap(input: ProtocolGapInput): ProtocolGap {
  const constructions = gapConstructions(input);
  const runAlphabet = new Map(input.sources.map((r) => [r.name, r.alphabet]));
  const alphabetOf = (t: OneShotTrial) => runAlphabet.get(t.group) ?? t.group;
  const spreadTasks = input.spreads
    ? {
      characters: factorSpreadTask(
        input.split,
        input.sources,
        "characters",
        input.rng.fork("spread/characters"),
        input.spreads,
      ),
      drawers: factorSpreadTask(
        input.split,
        input.sources,
        "drawers",
        input.rng.fork("spread/drawers"),
        input.spreads,
      ),
    }
    : undefined;
  const spreadOf = (scorer: GapScorer, task: OneShotTask) =>
    factorSpread(
      accuracyByGroup(task.trials, scoreOneShot(task, scoreInChunks(scorer, task)).outcomes),
      input.spreads!.draws,
    );
  const drawerOf = (i: number) => String(i % EXPECTED.drawers + 1).padStart(2, "0");
  const methods: MethodGap[] = input.scorers.map((scorer) => {
    let drawers: MethodGap["drawers"] = { query: [], support: [] };
    const summaries = constructions.map(({ key, task }) => {
      const scores = scoreInChunks(scorer, task);
      const result = scoreOneShot(task, scores);
      const difficulty = trialDifficulty(task, scores, scoreInChunks(scorer, exemplarTask(task)));
      const margins = difficulty.map((d) => d.margin);
      if (key === "random/random") {
        drawers = {
          query: accuracyByGroup(task.trials, result.outcomes, (t) => drawerOf(t.query)),
          support: accuracyByGroup(task.trials, result.outcomes, (t) => drawerOf(t.support[0])),
        };
      }
      return {
        key,
        trials: result.trials,
        accuracy: result.accuracy,
        ciLow: result.ciLow,
        ciHigh: result.ciHigh,
        medianCorrect: median(difficulty, (d) => d.correct)!,
        medianBestWrong: median(difficulty, (d) => d.bestWrong)!,
        medianMargin: median(margins)!,
        q10Margin: quantile(margins, 0.1)!,
        meanRivals: mean(difficulty, (d) => d.rivals)!,
        meanLookAlikes: mean(difficulty, (d) => d.lookAlikes)!,
        withLookAlike: 100 * mean(difficulty, (d) => d.lookAlikes > 0 ? 1 : 0)!,
        byAlphabet: accuracyByGroup(task.trials, result.outcomes, alphabetOf),
        byGroup: accuracyByGroup(task.trials, result.outcomes),
      };
    });
    return {
      method: scorer.method,
      constructions: summaries,
      drawers,
      ...(spreadTasks
        ? {
          spreads: {
            characters: spreadOf(scorer, spreadTasks.characters),
            drawers: spreadOf(scorer, spreadTasks.drawers),
          },
        }
        : {}),
    };
  });
  return {
    constructions: constructions.map(({ key, label, task }) => ({
      key,
      label,
      trials: task.trials.length,
    })),
    draws: alphabetDraws(input.split, input.sources, input.koch400),
    runs: [...input.sources],
    methods,
  };
}

/** How each alphabet's characters and drawers were chosen by the official runs and koch-400. */
export function alphabetDraws(
  split: OmniglotSplit,
  sources: readonly RunSource[],
  koch400: OneShotTask,
): AlphabetDraw[] {
  const D = EXPECTED.drawers;
  const kochBy = new Map(rollups(koch400.trials, (g) => g, (t) => t.group));
  return rollups(sources, (runs) => runs, (r) => r.alphabet).map(([alphabet, runs]) => {
    const lake = new Set(runs.flatMap((r) => r.characters));
    const first = [...runs[0].characters].sort().join();
    const trials = kochBy.get(alphabet) ?? [];
    const koch = new Set(trials.flatMap((t) => t.support.map((i) => Math.floor(i / D))));
    // A koch-400 draw is one (support drawer, query drawer) pair and its swap.
    const pairs = new Set(
      trials.map((t) => {
        const [a, b] = [t.query % D, t.support[0] % D].sort((x, y) => x - y);
        return `${a + 1}<->${b + 1}`;
      }),
    );
    return {
      alphabet,
      characters: split.alphabets.find((a) => a.name === alphabet)?.characters.length ?? 0,
      lakeCharacters: lake.size,
      lakeRunsShareCharacters: runs.every((r) => [...r.characters].sort().join() === first),
      lakeDrawers: runs.map((r) =>
        `${drawerList(r.supportDrawers)}->${drawerList(r.queryDrawers)}`
      ),
      kochCharacters: koch.size,
      kochOverlap: [...koch].filter((c) => lake.has(c)).length,
      kochDrawers: [...pairs],
    };
  });
}

function drawerList(drawers: readonly number[]): string {
  return [...new Set(drawers)].map((d) => d + 1).join("/");
}

/**
 * Lake's choice against the random draws, from the accuracy of every `<unit>#<draw>` group
 * of a `factorSpreadTask` (draw 0 = Lake's).
 */
export function factorSpread(groups: readonly GroupAccuracy[], draws: number): FactorSpread {
  const byGroup = new Map(groups.map((g) => [g.group, g]));
  const units = [...new Set(groups.map((g) => g.group.slice(0, g.group.lastIndexOf("#"))))];
  const accuracy = (unit: string, draw: number) => {
    const g = byGroup.get(spreadGroup(unit, draw));
    if (!g) throw new RangeError(`factorSpread: no group ${spreadGroup(unit, draw)}`);
    return g.accuracy;
  };
  const perUnit = units.map((unit) => {
    const lake = accuracy(unit, 0);
    const random = Array.from({ length: draws }, (_, i) => accuracy(unit, i + 1));
    return {
      unit,
      lake,
      randomMean: mean(random)!,
      randomMin: Math.min(...random),
      randomMax: Math.max(...random),
      below: random.filter((a) => a < lake).length,
      draws,
    };
  });
  const lakeMean = mean(perUnit, (u) => u.lake)!;
  const randomMeans = Array.from(
    { length: draws },
    (_, i) => mean(units, (u) => accuracy(u, i + 1))!,
  );
  return {
    trialsPerDraw: byGroup.get(spreadGroup(units[0], 0))?.trials ?? 0,
    units: perUnit,
    lakeMean,
    randomMeans,
    lakePercentile: 100 * randomMeans.filter((m) => m < lakeMean).length / draws,
  };
}

/** Trials per call of a scorer: bounds the memory an embedding scorer's rows take. */
const CHUNK = 20_000;

/** `scorer.scores(task)`, asked for at most {@link CHUNK} trials at a time. */
export function scoreInChunks(scorer: GapScorer, task: OneShotTask): TrialScores {
  if (task.trials.length <= CHUNK) return scorer.scores(task);
  const out: TrialScores = [];
  for (let i = 0; i < task.trials.length; i += CHUNK) {
    out.push(...scorer.scores({ ...task, trials: task.trials.slice(i, i + CHUNK) }));
  }
  return out;
}
