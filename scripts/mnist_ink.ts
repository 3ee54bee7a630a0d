/**
 * `deno task mnist-ink [--profile P] [--seeds N]`: how the MNIST ink matching was chosen.
 * Scores the Omniglot-trained models a profile saved on 10-way one-shot episodes drawn
 * from the MNIST *training* set (the mnist-400 trials come from the test set, which this
 * never touches), with the digits' pixels multiplied by a range of factors and by the
 * ink-matching factor (`inkMatchFactor`). A progress bar on stderr, then a table on stdout:
 * one line per factor, the mean accuracy over the seeds per model. Exit 0, 1 when no model
 * is saved, 2 on a usage or data error.
 */
import { mean } from "d3-array";
import { selectRunBackend } from "../lib/backends/select.ts";
import { profileConfig } from "../lib/profiles.ts";
import { exitOnDataError, parseCommandLine, parseFlags } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { inkMatchFactor } from "../lib/data/images.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { mnist400Task, scaleTaskImages } from "../lib/episodes/one_shot.ts";
import { scoreOneShot } from "../lib/evaluation/one_shot.ts";
import { DataSource } from "../lib/experiments/data_source.ts";
import { loadSavedModels } from "../lib/experiments/saved_models.ts";
import { modelsDir } from "../lib/experiments/model_store.ts";
import { Progress } from "../lib/report/progress.ts";
import { Rng } from "../lib/rng.ts";

const HELP = "deno task mnist-ink [--profile quick|standard|paper] [--seeds N]\n\n" +
  "Scores the saved models of the profile on 400-trial 10-way episodes from the MNIST training\n" +
  "set, per seed 1..N (default 3), at ink factors 0.4-1.0 and at the ink-matching factor.";

const FACTORS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    (args) => {
      const v = parseFlags(args, {
        profile: { type: "string", default: "standard" },
        seeds: { type: "string", default: "3" },
        help: { type: "boolean", short: "h", default: false },
      });
      const seeds = Number(v.seeds);
      if (!(Number.isInteger(seeds) && seeds >= 1)) {
        throw new UsageError(`--seeds must be a positive integer, got ${v.seeds}`);
      }
      return { config: profileConfig(v.profile), seeds, help: v.help };
    },
    argv,
    HELP,
  );
  if (typeof parsed === "number") return parsed;
  const { config } = parsed;
  const size = config.evaluation.imageSize;
  return await exitOnDataError(async () => {
    await selectRunBackend("auto");
    const outDir = resultsDir(config.profile);
    const models = await loadSavedModels(outDir, config.triplet.miners, size);
    if (models.length === 0) {
      console.error(
        `error: no saved model under ${
          modelsDir(outDir)
        }/; run deno task reproduce --profile ${config.profile} first`,
      );
      return 1;
    }
    const mnist = await loadMnist({ split: "train", size });
    // The training images the models saw, loaded as every run loads them (ink boxes included).
    const data = new DataSource({ evaluation: config.evaluation, seed: config.seed, quiet: true });
    const omniglot = await data.omniglot();
    const matched = inkMatchFactor(mnist.images, omniglot.background.images);
    console.log(
      `MNIST training set at ${size}x${size}; ink-matching factor ${matched.toFixed(3)}; ` +
        `${parsed.seeds} x 400 trials per cell`,
    );
    const tasks = Array.from(
      { length: parsed.seeds },
      (_, i) => mnist400Task(mnist, new Rng(i + 1, "mnist-ink").fork("train-episodes"), 400),
    );
    const factors = [...FACTORS, matched].sort((a, b) => a - b);
    const progress = new Progress({
      label: "mnist-ink",
      total: factors.length * models.length * tasks.length,
    });
    const rows: string[][] = [];
    for (const factor of factors) {
      const label = factor === matched ? `${factor.toFixed(3)} (matched)` : factor.toFixed(1);
      const scaled = tasks.map((task) => scaleTaskImages(task, factor));
      const cells = models.map((model) => {
        const accs = scaled.map((task) => {
          const accuracy = scoreOneShot(task, model.scores(task)).accuracy;
          progress.tick(1, `factor ${label}, ${model.method}`);
          return accuracy;
        });
        return mean(accs)!.toFixed(2);
      });
      rows.push([label, ...cells]);
    }
    progress.finish("");
    for (const row of [["factor", ...models.map((m) => m.method)], ...rows]) {
      console.log(row.join("\t"));
    }
    for (const m of models) m.dispose();
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
