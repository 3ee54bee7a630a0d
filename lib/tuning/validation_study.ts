/**
 * One validation study: train one model of a profile, with some settings changed, and score it on
 * koch-val (2,000 within-alphabet trials on the 10 validation alphabets) and mnist-val (2,000
 * 10-way trials from MNIST's training set) and nothing else. This is where the project's choices
 * are made (issue 13): the test protocols (lake-runs, koch-400, the n-way curve, verification,
 * mnist-400 on MNIST's test set) are never built here, so a study cannot read them.
 *
 * A model trains on the stream `reproduce` gives it (the run seed, forked by experiment and miner),
 * so a study with no changes trains the very model a `reproduce` run of that profile trains, and
 * its koch-val row is that run's.
 */
import type { TrialScores } from "../evaluation/one_shot.ts";
import type { RunConfig } from "../config.ts";
import { type StudyModel, studyTrainingConfig } from "./model_reads.ts";
import { scoreOneShot } from "../evaluation/one_shot.ts";
import { DataSource } from "../experiments/data_source.ts";
import { Rng } from "../rng.ts";
import { embeddingScorer, type Scorer, siameseScorer } from "../experiments/saved_models.ts";
import { trainSiamese } from "../training/siamese_training.ts";
import { trainTripletEmbedding } from "../training/triplet_training.ts";

/** What one study measured. */
export interface StudyResult {
  model: StudyModel;
  /** Training steps done, why training ended, and the best 320-trial validation. */
  steps: number;
  stepBound: number;
  stoppedBy: string;
  bestStep: number;
  bestValidation: number;
  /** koch-val accuracy, percent, with its 95% interval. */
  kochVal: number;
  ciLow: number;
  ciHigh: number;
  trials: number;
  /** koch-val with each image's features averaged over its shifted views (test_time_views.ts). */
  kochValViews: number;
  /** mnist-val: the transfer to MNIST, on 2,000 10-way trials from MNIST's training set. */
  mnistVal: number;
  trainSeconds: number;
}

/** Options of {@link validationStudy}. */
export interface StudyOptions {
  /** The run's settings, overrides applied. */
  config: RunConfig;
  model: StudyModel;
  log?: (line: string) => void;
  quiet?: boolean;
}

/** Train `model` under `config` and score it on koch-val and mnist-val only. */
export async function validationStudy(options: StudyOptions): Promise<StudyResult> {
  const { config, model } = options;
  const log = options.log ?? (() => {});
  // The data and koch-val trials a reproduce run of this config uses; no test protocol is built.
  const data = new DataSource({
    evaluation: config.evaluation,
    seed: config.seed,
    quiet: options.quiet,
  });
  const omniglot = await data.omniglot();
  const task = await data.kochVal();
  // Built before training, so that MNIST that cannot be read fails the study before the long work.
  const mnistTask = await data.mnistVal();
  const root = new Rng(config.seed);
  const common = {
    background: omniglot.background,
    evaluation: omniglot.evaluation,
    log,
    quiet: options.quiet,
  };

  let scorer: Scorer;
  let train: {
    steps: number;
    stoppedBy: string;
    bestStep: number;
    bestAccuracy: number;
    seconds: number;
  };
  let stepBound: number;
  if (model === "siamese" || model === "same-tower") {
    const cfg = studyTrainingConfig(model, config);
    stepBound = cfg.steps;
    const trained = await trainSiamese({
      ...common,
      config: cfg,
      rng: root.fork(model),
      label: `tune ${model}`,
    });
    scorer = siameseScorer(trained.net);
    train = trained.result;
  } else {
    stepBound = config.triplet.steps;
    const trained = await trainTripletEmbedding({
      ...common,
      config: config.triplet,
      miner: model,
      rng: root.fork("triplet").fork(model),
    });
    scorer = embeddingScorer(trained.model, config.triplet.distance);
    train = trained.train;
  }
  let scores: { plain: TrialScores; views: TrialScores; mnist: TrialScores };
  try {
    scores = {
      plain: scorer.scores(task),
      views: scorer.viewScores(task),
      mnist: scorer.scores(mnistTask),
    };
  } finally {
    scorer.dispose();
  }
  const scored = scoreOneShot(task, scores.plain);
  return {
    model,
    steps: train.steps,
    stepBound,
    stoppedBy: train.stoppedBy,
    bestStep: train.bestStep,
    bestValidation: train.bestAccuracy,
    kochVal: scored.accuracy,
    ciLow: scored.ciLow,
    ciHigh: scored.ciHigh,
    trials: task.trials.length,
    kochValViews: scoreOneShot(task, scores.views).accuracy,
    mnistVal: scoreOneShot(mnistTask, scores.mnist).accuracy,
    trainSeconds: train.seconds,
  };
}
