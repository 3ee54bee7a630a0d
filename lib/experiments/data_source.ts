/**
 * Data shared by the experiments of one run, loaded on first use and kept: Omniglot at
 * the profile's image size, MNIST resampled to the same size, and the fixed episodes.
 */
import { inkMatchFactor } from "../data/images.ts";
import { loadMnist, type Mnist } from "../data/mnist.ts";
import { loadOmniglot, type Omniglot } from "../data/omniglot.ts";
import type { EvaluationConfig } from "../config.ts";
import {
  koch400Task,
  kochValTask,
  lakeRunsTask,
  mnist400Task,
  mnistValTask,
  nWayTasks,
  type OneShotTask,
  scaleTaskImages,
} from "../episodes/one_shot.ts";
import { Progress } from "../report/progress.ts";
import { Rng } from "../rng.ts";

/** Lazily loaded data and episodes; the episodes depend only on the seed. */
export class DataSource {
  readonly evaluation: EvaluationConfig;
  readonly seed: number;
  readonly quiet: boolean;
  #omniglot?: Promise<Omniglot>;
  #mnist?: Promise<Mnist>;
  #tasks?: Promise<EvaluationTasks>;
  #kochVal?: Promise<OneShotTask>;
  #koch400?: Promise<OneShotTask>;
  #lakeRuns?: Promise<OneShotTask>;
  #mnistTask?: Promise<OneShotTask>;
  #mnistVal?: Promise<OneShotTask>;
  #mnistInkMatched?: Promise<{ task: OneShotTask; factor: number }>;
  #released?: DataSource;

  constructor(options: { evaluation: EvaluationConfig; seed: number; quiet?: boolean }) {
    this.evaluation = options.evaluation;
    this.seed = options.seed;
    this.quiet = options.quiet ?? false;
  }

  /**
   * The same source on Omniglot's images as released (no ink boxes, no deskewing): this one when
   * `evaluation.inkBox` and `evaluation.deskew` are unset. The episodes are the same trials (they
   * depend on the seed and the alphabets, not on the pixels); the 1-NN baseline reads these, the
   * paper's pixels.
   */
  released(): DataSource {
    if (this.evaluation.inkBox === undefined && this.evaluation.deskew === undefined) return this;
    return this.#released ??= new DataSource({
      evaluation: { ...this.evaluation, inkBox: undefined, deskew: undefined },
      seed: this.seed,
      quiet: this.quiet,
    });
  }

  /**
   * Omniglot at `evaluation.imageSize`, sheared back by its slant when `evaluation.deskew` is set
   * and cut to its ink boxes when `evaluation.inkBox` is.
   */
  omniglot(): Promise<Omniglot> {
    return this.#omniglot ??= loadOmniglot({
      size: this.evaluation.imageSize,
      inkBox: this.evaluation.inkBox,
      deskew: this.evaluation.deskew,
      progress: this.quiet ? undefined : (label, total) => new Progress({ label, total }),
    });
  }

  /** MNIST test set at `evaluation.imageSize` (28 -> 35 is the paper's upsampling). */
  mnist(): Promise<Mnist> {
    return this.#mnist ??= loadMnist({ split: "test", size: this.evaluation.imageSize });
  }

  /** The fixed evaluation episodes (same for every experiment, so comparisons are paired). */
  tasks(): Promise<EvaluationTasks> {
    return this.#tasks ??= (async () => {
      const omniglot = await this.omniglot();
      return {
        lakeRuns: await this.lakeRuns(),
        koch400: await this.koch400(),
        nWay: nWayTasks(omniglot.evaluation, new Rng(this.seed, "episodes").fork("n-way"), {
          ways: this.evaluation.nWays,
          trialsPerAlphabet: this.evaluation.nWayTrialsPerAlphabet,
        }),
        kochVal: await this.kochVal(),
      };
    })();
  }

  /**
   * koch-val alone (the validation alphabets), for callers that must not build the test
   * protocols: the validation studies of `deno task tune`. The same trials as `tasks().kochVal`.
   */
  kochVal(): Promise<OneShotTask> {
    return this.#kochVal ??= (async () =>
      // Its own fork: adding it drew nothing from the streams of the test protocols.
      kochValTask(
        (await this.omniglot()).evaluation,
        new Rng(this.seed, "episodes").fork("koch-val"),
      ))();
  }

  /** koch-400 alone, for a caller that reads no other test protocol: `tasks().koch400`. */
  koch400(): Promise<OneShotTask> {
    return this.#koch400 ??= (async () =>
      koch400Task(
        (await this.omniglot()).evaluation,
        new Rng(this.seed, "episodes").fork("koch-400"),
      ))();
  }

  /** lake-runs alone (Lake's 20 official runs): `tasks().lakeRuns`. */
  lakeRuns(): Promise<OneShotTask> {
    return this.#lakeRuns ??= (async () => lakeRunsTask((await this.omniglot()).runs))();
  }

  /**
   * The protocols that views and ensembles are scored on, in their rows' order: lake-runs,
   * koch-400, koch-val (validation) and mnist-400; the trials of `tasks()` and `mnistTask()`.
   */
  ensembleTasks(): Promise<OneShotTask[]> {
    return Promise.all([this.lakeRuns(), this.koch400(), this.kochVal(), this.mnistTask()]);
  }

  /** mnist-400 episodes. */
  mnistTask(): Promise<OneShotTask> {
    return this.#mnistTask ??= (async () =>
      mnist400Task(
        await this.mnist(),
        new Rng(this.seed, "episodes").fork("mnist-400"),
        this.evaluation.mnistTrials,
      ))();
  }

  /**
   * mnist-val (validation for the MNIST transfer): 2,000 trials of mnist-400's construction on
   * the MNIST training set, at `evaluation.imageSize`; what `deno task tune` reads beside koch-val.
   */
  mnistVal(): Promise<OneShotTask> {
    return this.#mnistVal ??= (async () =>
      mnistValTask(
        await loadMnist({ split: "train", size: this.evaluation.imageSize }),
        new Rng(this.seed, "episodes").fork("mnist-val"),
      ))();
  }

  /**
   * The same mnist-400 trials with ink matched to the training data: every MNIST pixel times
   * the factor that gives the MNIST test set the mean ink per image of Omniglot's
   * background (training) set at this size. No labels are used.
   */
  mnistInkMatchedTask(): Promise<{ task: OneShotTask; factor: number }> {
    return this.#mnistInkMatched ??= (async () => {
      const factor = inkMatchFactor(
        (await this.mnist()).images,
        (await this.omniglot()).background.images,
      );
      return { task: scaleTaskImages(await this.mnistTask(), factor), factor };
    })();
  }
}

/** The Omniglot evaluation episodes of a run: the test protocols, and koch-val on validation. */
export interface EvaluationTasks {
  lakeRuns: OneShotTask;
  koch400: OneShotTask;
  nWay: OneShotTask[];
  /** koch-val: 2,000 trials on the validation alphabets, where choices are read. */
  kochVal: OneShotTask;
}
