/**
 * `deno task support-tuning [--results DIR] [--miner M] [--steps N] [--copies N] [--rate X]
 * [--protocols a,b] [--threads N]`: scores a saved triplet embedding with and without support-set
 * tuning (lib/evaluation/support_tuning.ts): each support set's trials answered by the net
 * fine-tuned on that set's support images alone. Reads koch-val (validation) unless told
 * otherwise; the test protocols are for a setting chosen there, once. Prints a Markdown table.
 * Exit 0; 1 when the folder has no such model; 2 on a usage or data error (before any scoring).
 */
import { selectRunBackend } from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { exitOnDataError, parseCommandLine, parseFlags } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { MINER_NAMES } from "../lib/miners/by_name.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { distanceByName } from "../lib/distances/by_name.ts";
import type { OneShotTask } from "../lib/episodes/one_shot.ts";
import { modelEmbedder } from "../lib/evaluation/embedding_eval.ts";
import { scoreOneShot, type TrialScores } from "../lib/evaluation/one_shot.ts";
import { supportTunedScoreSets } from "../lib/evaluation/support_tuning.ts";
import { viewAveragedEmbedder } from "../lib/evaluation/test_time_views.ts";
import { DataSource } from "../lib/experiments/data_source.ts";
import { embeddingScorer } from "../lib/experiments/saved_models.ts";
import {
  isSaved,
  loadTriplet,
  TRIPLET_FORMAT,
  tripletDir,
} from "../lib/experiments/model_store.ts";
import { readResultsFolder } from "../lib/report/results.ts";
import { Rng } from "../lib/rng.ts";

const PROTOCOLS = ["koch-val", "koch-400", "lake-runs"] as const;
type TuningProtocol = typeof PROTOCOLS[number];

const HELP =
  `deno task support-tuning [--results DIR] [--miner M] [--steps N] [--copies N] [--rate X]
                          [--protocols a,b] [--threads N]

Scores a saved triplet embedding on 20-way within-alphabet trials as it is and tuned on each
trial set's support images (one drawing per candidate, with distorted copies of each as its
positives; batch-hard margin loss; the weights restored after every set). Queries are never
seen while tuning.

  --results DIR     a deno task reproduce --out folder with run.json and models/
                    (default results/standard)
  --miner M         the triplet model to load: ${MINER_NAMES.join(", ")} (default batch-hard)
  --steps N         Adam steps per support set (default 20)
  --copies N        images of each candidate per step, the support image and N - 1
                    distortions of it (default 4)
  --rate X          Adam's constant learning rate (default 1e-4)
  --margin X        the batch-hard margin (default the run's triplet margin)
  --layers N        tune only the last N layers with weights (2: the embedding layer and
                    its batch norm; default every layer)
  --protocols a,b   ${PROTOCOLS.join(", ")} (default koch-val: validation; choose the
                    setting there, then read a test protocol once)
  --threads N       CPU threads of the wasm backend (default SIAMESE_THREADS, else every
                    core up to 8)`;

interface Args {
  results: string;
  miner: string;
  steps: number;
  copies: number;
  rate: number;
  margin?: number;
  layers?: number;
  protocols: TuningProtocol[];
  threads?: number;
  help: boolean;
}

/** The parsed command line. @throws {UsageError} naming the bad flag. */
export function parseSupportTuningArgs(argv: string[]): Args {
  const v = parseFlags(argv, {
    results: { type: "string" },
    miner: { type: "string", default: "batch-hard" },
    steps: { type: "string", default: "20" },
    copies: { type: "string", default: "4" },
    rate: { type: "string", default: "1e-4" },
    margin: { type: "string" },
    layers: { type: "string" },
    protocols: { type: "string", default: "koch-val" },
    threads: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const whole = (flag: string, text: string, least: number) => {
    const n = Number(text);
    if (!(Number.isInteger(n) && n >= least)) {
      throw new UsageError(`--${flag} must be an integer >= ${least}, got ${text}`);
    }
    return n;
  };
  const positive = (flag: string, text: string) => {
    const x = Number(text);
    if (!(x > 0 && Number.isFinite(x))) {
      throw new UsageError(`--${flag} must be a positive number, got ${text}`);
    }
    return x;
  };
  if (!(MINER_NAMES as readonly string[]).includes(v.miner)) {
    throw new UsageError(
      `unknown miner "${v.miner}" for --miner; choose one of ${MINER_NAMES.join(", ")}`,
    );
  }
  const protocols = v.protocols.split(",").map((p) => p.trim());
  for (const p of protocols) {
    if (!(PROTOCOLS as readonly string[]).includes(p)) {
      throw new UsageError(
        `unknown protocol "${p}" for --protocols; choose from ${PROTOCOLS.join(", ")}`,
      );
    }
  }
  return {
    results: (v.results ?? resultsDir("standard")).replace(/\/+$/, ""),
    miner: v.miner,
    steps: whole("steps", v.steps, 0),
    copies: whole("copies", v.copies, 2),
    rate: positive("rate", v.rate),
    margin: v.margin === undefined ? undefined : positive("margin", v.margin),
    layers: v.layers === undefined ? undefined : whole("layers", v.layers, 1),
    protocols: [...new Set(protocols)] as TuningProtocol[],
    threads: v.threads === undefined ? undefined : threadsFlag(v.threads),
    help: v.help,
  };
}

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(parseSupportTuningArgs, argv, HELP);
  if (typeof parsed === "number") return parsed;
  return await exitOnDataError(async () => {
    const { results } = parsed;
    const { record, config } = await readResultsFolder(results);
    const dir = tripletDir(results, parsed.miner);
    if (!(await isSaved(TRIPLET_FORMAT, dir))) {
      console.error(`error: no saved ${parsed.miner} model in ${dir}/`);
      return 1;
    }
    await selectRunBackend("auto", () => {}, { wasmThreads: parsed.threads });
    const { net: model, meta } = await loadTriplet(dir);
    const distance = distanceByName(meta.distance);
    // The net as trained, as every other task scores a saved model (it disposes the model).
    const scorer = embeddingScorer(model, meta.distance);
    const margin = parsed.margin ?? config.triplet.margin;
    const data = new DataSource({ evaluation: config.evaluation, seed: record.seed, quiet: true });
    const tasks: Record<TuningProtocol, () => Promise<OneShotTask>> = {
      "koch-val": () => data.kochVal(),
      // Each protocol alone: koch-400 chosen does not build lake-runs or n-way.
      "koch-400": () => data.koch400(),
      "lake-runs": () => data.lakeRuns(),
    };
    const views = (m: typeof model) => viewAveragedEmbedder(modelEmbedder(m));
    console.log(
      `${parsed.miner} of ${results}; tuning: ${parsed.steps} steps, ${parsed.copies} copies, ` +
        `rate ${parsed.rate}, margin ${margin}, ${
          parsed.layers === undefined ? "every layer" : `the last ${parsed.layers} layers`
        }\n`,
    );
    console.log("| protocol | as trained | + views | tuned | tuned + views | seconds |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    try {
      for (const protocol of parsed.protocols) {
        const task = await tasks[protocol]();
        const start = performance.now();
        const accuracy = (scores: TrialScores) => scoreOneShot(task, scores).accuracy.toFixed(2);
        const trained = [accuracy(scorer.scores(task)), accuracy(scorer.viewScores(task))];
        const tuning = {
          steps: parsed.steps,
          copies: parsed.copies,
          learningRate: parsed.rate,
          margin,
          layers: parsed.layers,
          rng: new Rng(record.seed, "support-tuning").fork(protocol),
        };
        const [tuned, tunedViews] = supportTunedScoreSets(model, distance, task, tuning, [
          modelEmbedder,
          views,
        ]);
        const seconds = (performance.now() - start) / 1000;
        console.log(
          `| ${protocol} | ${trained.join(" | ")} | ${accuracy(tuned)} | ${
            accuracy(tunedViews)
          } | ${seconds.toFixed(0)} |`,
        );
      }
    } finally {
      scorer.dispose();
    }
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
