/**
 * One-shot episodes, exactly as docs/interface.md defines the protocols. A trial is a query
 * image and one support image per candidate class; the layout is written down here and
 * asserted by `checkTask`:
 *
 *   trial.support[k]   image index (into `task.bank`) of candidate class k
 *   trial.answer       k of the candidate drawn from the query's class
 *   trial.group        what the protocol averages over (run, alphabet, "mnist")
 */
import type { ImageSet } from "../data/images.ts";
import { scaleImages, selectImages } from "../data/images.ts";
import type { OmniglotSplit } from "../data/omniglot.ts";
import type { LakeRun } from "../data/lake_runs.ts";
import { TEST_ALPHABETS, VALIDATION_ALPHABETS } from "../data/splits.ts";
import type { Mnist } from "../data/mnist.ts";
import type { Rng } from "../rng.ts";

/** Protocol names of docs/interface.md. */
export type Protocol =
  | "lake-runs"
  | "koch-400"
  | "n-way"
  | "mnist-400"
  | "koch-val"
  | "mnist-val";

/**
 * `dataset` of a task: `omniglot-validation` marks koch-val, the one protocol on the
 * validation alphabets, so that no table of test numbers picks it up by accident.
 */
export type Dataset = "omniglot" | "omniglot-validation" | "mnist";

/** One N-way one-shot trial. */
export interface OneShotTrial {
  /** Image index of the query in `task.bank`. */
  query: number;
  /** Image index of each candidate's single example, `[ways]`. */
  support: number[];
  /** Position in `support` of the query's class. */
  answer: number;
  /** Averaging group: run name for lake-runs, alphabet for koch-400 and n-way. */
  group: string;
}

/** A set of trials over one image bank. */
export interface OneShotTask {
  protocol: Protocol;
  dataset: Dataset;
  ways: number;
  shots: 1;
  /** Images the trials index into, `[count, size, size]`. */
  bank: ImageSet;
  trials: OneShotTrial[];
}

/**
 * `lake-runs`: the 20 official runs of all_runs.zip, 400 trials. Run r's support image i
 * is bank image `40 r + i`, its query i is `40 r + 20 + i`; the answer comes from the
 * run's class_labels.txt.
 */
export function lakeRunsTask(runs: LakeRun[]): OneShotTask {
  if (runs.length === 0) throw new RangeError("lakeRunsTask: no runs");
  const size = runs[0].training.size;
  const per = size * size;
  const ways = runs[0].training.count;
  const pixels = new Float32Array(runs.length * 2 * ways * per);
  const trials: OneShotTrial[] = [];
  runs.forEach((run, r) => {
    const base = r * 2 * ways;
    pixels.set(run.training.pixels, base * per);
    pixels.set(run.test.pixels, (base + ways) * per);
    const support = Array.from({ length: ways }, (_, i) => base + i);
    run.answers.forEach((answer, q) =>
      trials.push({ query: base + ways + q, support, answer, group: run.name })
    );
  });
  return {
    protocol: "lake-runs",
    dataset: "omniglot",
    ways,
    shots: 1,
    bank: { size, count: runs.length * 2 * ways, pixels },
    trials,
  };
}

/** Options of {@link withinAlphabetTask}. */
export interface WithinAlphabetOptions {
  /** Candidates per trial (N). */
  ways: number;
  /** Trials per alphabet. koch-400 uses 40 (two drawers x 20 characters, both directions). */
  trialsPerAlphabet: number;
  /** Alphabets to draw from; defaults to the 10 test alphabets. */
  alphabets?: readonly string[];
  /** Protocol name written in the rows. */
  protocol?: Protocol;
}

/**
 * Within-alphabet N-way one-shot trials (Koch et al. section 4.3, after Lake et al.):
 * pick N characters of one alphabet and two drawers; the support set is drawer B's
 * drawings of the N characters, each query is drawer A's drawing of one of them. Each
 * draw of (characters, drawers) yields 2N trials (every character as query, then the
 * drawers swapped); draws repeat until the alphabet has `trialsPerAlphabet` trials.
 * With N = 20 and 40 trials per alphabet over the 10 test alphabets this is koch-400.
 */
export function withinAlphabetTask(
  split: OmniglotSplit,
  rng: Rng,
  options: WithinAlphabetOptions,
): OneShotTask {
  const { ways, trialsPerAlphabet } = options;
  const alphabets = options.alphabets ?? TEST_ALPHABETS;
  if (!(ways >= 2) || !Number.isInteger(ways)) {
    throw new RangeError(`withinAlphabetTask: ways must be an integer >= 2, got ${ways}`);
  }
  const trials: OneShotTrial[] = [];
  for (const name of alphabets) {
    const alphabet = split.alphabets.find((a) => a.name === name);
    if (!alphabet) {
      throw new RangeError(`withinAlphabetTask: alphabet ${name} is not in ${split.name}`);
    }
    if (alphabet.characters.length < ways) {
      throw new RangeError(
        `withinAlphabetTask: ${name} has ${alphabet.characters.length} characters, fewer than ${ways}`,
      );
    }
    const own: OneShotTrial[] = [];
    while (own.length < trialsPerAlphabet) {
      const chars = rng.sample(alphabet.characters.length, ways).map((i) => alphabet.characters[i]);
      const [drawerA, drawerB] = rng.sample(20, 2);
      for (const [qd, sd] of [[drawerA, drawerB], [drawerB, drawerA]]) {
        const support = chars.map((c) => c * 20 + sd);
        const order = rng.shuffle(Array.from({ length: ways }, (_, k) => k));
        for (const k of order) {
          if (own.length < trialsPerAlphabet) {
            own.push({ query: chars[k] * 20 + qd, support, answer: k, group: name });
          }
        }
      }
    }
    trials.push(...own);
  }
  return {
    protocol: options.protocol ?? (ways === 20 && trialsPerAlphabet === 40 ? "koch-400" : "n-way"),
    dataset: "omniglot",
    ways,
    shots: 1,
    bank: split.images,
    trials,
  };
}

/** `koch-400`: 20-way within-alphabet, 40 trials on each of the 10 test alphabets. */
export function koch400Task(evaluation: OmniglotSplit, rng: Rng): OneShotTask {
  return withinAlphabetTask(evaluation, rng, {
    ways: 20,
    trialsPerAlphabet: 40,
    protocol: "koch-400",
  });
}

/** Trials per validation alphabet of koch-val: 2,000 in all, enough to separate choices. */
export const KOCH_VAL_TRIALS_PER_ALPHABET = 200;

/**
 * `koch-val`: koch-400's construction (20-way within-alphabet, two drawers per draw) on the
 * 10 validation alphabets, 200 trials each (2,000). Every choice of the project (rates,
 * towers, steps, stopping) is read from it; 2,000 trials put the 95% interval of an 80%
 * model at about +-1.8 points, against +-3.9 for koch-400's 400.
 */
export function kochValTask(evaluation: OmniglotSplit, rng: Rng): OneShotTask {
  return {
    ...withinAlphabetTask(evaluation, rng, {
      ways: 20,
      trialsPerAlphabet: KOCH_VAL_TRIALS_PER_ALPHABET,
      alphabets: VALIDATION_ALPHABETS,
      protocol: "koch-val",
    }),
    dataset: "omniglot-validation",
  };
}

/** `n-way`: within-alphabet tasks for each N in `ways` (default 2..20) on the test alphabets. */
export function nWayTasks(
  evaluation: OmniglotSplit,
  rng: Rng,
  options: { ways?: number[]; trialsPerAlphabet?: number } = {},
): OneShotTask[] {
  const ways = options.ways ?? Array.from({ length: 19 }, (_, i) => i + 2);
  return ways.map((n) =>
    withinAlphabetTask(evaluation, rng.fork(`n-way/${n}`), {
      ways: n,
      trialsPerAlphabet: options.trialsPerAlphabet ?? 40,
      protocol: "n-way",
    })
  );
}

/**
 * `mnist-400`: 10-way one-shot on the MNIST test set. Each trial draws one support image
 * of each digit and a query of a random digit that is not its class's support image.
 */
export function mnist400Task(mnist: Mnist, rng: Rng, trials = 400): OneShotTask {
  const byDigit: number[][] = Array.from({ length: 10 }, () => []);
  mnist.labels.forEach((d, i) => byDigit[d].push(i));
  if (byDigit.some((l) => l.length < 2)) {
    throw new RangeError("mnist400Task: every digit needs at least two images");
  }
  const chosen: number[] = [];
  const out: OneShotTrial[] = [];
  for (let t = 0; t < trials; t++) {
    const support: number[] = [];
    const answer = rng.int(10);
    let query = -1;
    for (let d = 0; d < 10; d++) {
      const [s, q] = rng.sample(byDigit[d].length, 2).map((i) => byDigit[d][i]);
      support.push(chosen.push(s) - 1);
      if (d === answer) query = chosen.push(q) - 1;
    }
    out.push({ query, support, answer, group: "mnist" });
  }
  return {
    protocol: "mnist-400",
    dataset: "mnist",
    ways: 10,
    shots: 1,
    bank: selectImages(mnist.images, chosen),
    trials: out,
  };
}

/** Trials of mnist-val: 2,000, as koch-val. */
export const MNIST_VAL_TRIALS = 2000;

/**
 * `mnist-val`: mnist-400's construction on the MNIST *training* set, 2,000 trials, where choices
 * about the transfer to MNIST are read (the mnist-400 trials come from the test set, which this
 * never touches). `mnist` must be the training split.
 */
export function mnistValTask(mnist: Mnist, rng: Rng): OneShotTask {
  return { ...mnist400Task(mnist, rng, MNIST_VAL_TRIALS), protocol: "mnist-val" };
}

/** The same trials on the bank's pixels times `factor` (ink matching, `inkMatchFactor`). */
export function scaleTaskImages(task: OneShotTask, factor: number): OneShotTask {
  return { ...task, bank: scaleImages(task.bank, factor) };
}

/** Assert the episode layout: indices in range, answer in range, no query among its support. */
export function checkTask(task: OneShotTask): void {
  for (const [i, t] of task.trials.entries()) {
    if (t.support.length !== task.ways) {
      throw new Error(`trial ${i}: ${t.support.length} candidates, expected ${task.ways}`);
    }
    if (!(t.answer >= 0 && t.answer < task.ways)) {
      throw new Error(`trial ${i}: answer ${t.answer} out of range`);
    }
    for (const idx of [t.query, ...t.support]) {
      if (!(idx >= 0 && idx < task.bank.count)) {
        throw new Error(`trial ${i}: image ${idx} outside the bank`);
      }
    }
    if (t.support.includes(t.query)) {
      throw new Error(`trial ${i}: the query is one of its own candidates`);
    }
    if (new Set(t.support).size !== t.support.length) {
      throw new Error(`trial ${i}: repeated candidate`);
    }
  }
}
