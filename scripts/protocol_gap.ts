/**
 * `deno task protocol-gap [--results DIR] [--repeats N] [--draws N] [--shared N] [--threads N]`:
 * why the trained models score higher on lake-runs than on koch-400 (issue 13). Loads the
 * Siamese net and the triplet embeddings a results folder saved, and scores them and pixel
 * 1-NN (cosine) on lake-runs, koch-400 (the folder's seed), the official runs rebuilt with
 * their characters and/or drawers drawn at random, and Lake's characters and drawers ranked
 * among random draws (`lib/evaluation/protocol_gap.ts`). Writes a Markdown report to stdout
 * and to `<DIR>/protocol_gap.md`. Exit 0; 1 when the folder has no saved model; 2 on a usage
 * or data error (before any scoring).
 */
import { selectRunBackend } from "../lib/backends/select.ts";
import { threadsFlag } from "../lib/backends/threads_flag.ts";
import { exitOnDataError, parseCommandLine, parseFlags } from "../lib/cli.ts";
import { UsageError } from "../lib/usage_error.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import { resultsDir } from "../lib/data/paths.ts";
import { locateRuns } from "../lib/episodes/run_sources.ts";
import { cosine, pixelScores } from "../lib/evaluation/nearest_neighbor.ts";
import { type GapScorer, protocolGap } from "../lib/evaluation/protocol_gap.ts";
import { DataSource } from "../lib/experiments/data_source.ts";
import { loadSavedModels } from "../lib/experiments/saved_models.ts";
import { modelsDir } from "../lib/experiments/model_store.ts";
import { protocolGapMarkdown } from "../lib/report/protocol_gap_markdown.ts";
import { readResultsFolder } from "../lib/report/results.ts";
import { Rng } from "../lib/rng.ts";

const HELP =
  `deno task protocol-gap [--results DIR] [--repeats N] [--draws N] [--shared N] [--threads N]

Explains the gap between lake-runs and koch-400 for the models saved in a results folder:
accuracy per construction, per alphabet and per official run, per-trial margins, and the
official runs rebuilt with Lake's characters or Lake's drawers replaced by a random draw.

  --results DIR   a deno task reproduce --out folder with run.json and models/
                  (default results/standard)
  --repeats N     random draws of each official run per rebuilt variant (default 10)
  --draws N       random character sets per alphabet (drawer pairs per run) scored beside
                  Lake's (default 19)
  --shared N      random drawer pairs (character sets) those draws share (default 10)
  --threads N     CPU threads of the wasm backend (default SIAMESE_THREADS, else every core up to 8)

Writes the report to stdout and to DIR/protocol_gap.md.`;

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    (args) => {
      const v = parseFlags(args, {
        results: { type: "string" },
        repeats: { type: "string", default: "10" },
        draws: { type: "string", default: "19" },
        shared: { type: "string", default: "10" },
        threads: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      });
      const count = (flag: string, text: string) => {
        const n = Number(text);
        if (!(Number.isInteger(n) && n >= 1)) {
          throw new UsageError(`--${flag} must be a positive integer, got ${text}`);
        }
        return n;
      };
      const repeats = count("repeats", v.repeats);
      const spreads = { draws: count("draws", v.draws), shared: count("shared", v.shared) };
      return {
        results: (v.results ?? resultsDir("standard")).replace(/\/+$/, ""),
        repeats,
        spreads,
        threads: v.threads === undefined ? undefined : threadsFlag(v.threads),
        help: v.help,
      };
    },
    argv,
    HELP,
  );
  if (typeof parsed === "number") return parsed;
  const { results, repeats } = parsed;
  return await exitOnDataError(async () => {
    const { record, config } = await readResultsFolder(results);
    const out = `${results}/protocol_gap.md`;
    if (Deno.permissions.querySync({ name: "write", path: out }).state !== "granted") {
      throw new UsageError(
        `this task may write only under results/ and /tmp, not ${out}; copy the folder there ` +
          `(e.g. cp -r ${results} /tmp/) and pass the copy`,
      );
    }
    if (record.status !== undefined && record.status !== "complete") {
      console.error(
        `warning: ${results}/run.json says status ${record.status}: the run is not complete, ` +
          `its saved models may still change`,
      );
    }
    await selectRunBackend("auto", () => {}, { wasmThreads: parsed.threads });
    const size = config.evaluation.imageSize;
    const models = await loadSavedModels(results, config.triplet?.miners ?? [], size);
    if (models.length === 0) {
      console.error(`error: no saved model under ${modelsDir(results)}/`);
      return 1;
    }
    const data = new DataSource({ evaluation: config.evaluation, seed: record.seed, quiet: true });
    const omniglot = await data.omniglot();
    const tasks = await data.tasks();
    const sources = locateRuns(omniglot.runs, omniglot.evaluation);
    const scorers: GapScorer[] = [
      { method: "1-nn-cosine", scores: (task) => pixelScores(task, cosine) },
      ...models,
    ];
    console.error(
      `protocol-gap: ${scorers.length} scorers on 6 constructions (${repeats} draws per run)`,
    );
    const gap = protocolGap({
      scorers,
      lakeRuns: tasks.lakeRuns,
      koch400: tasks.koch400,
      split: omniglot.evaluation,
      sources,
      rng: new Rng(record.seed, "protocol-gap"),
      repeats,
      spreads: parsed.spreads,
    });
    for (const m of models) m.dispose();
    const markdown = protocolGapMarkdown(gap, {
      results,
      profile: record.profile,
      seed: record.seed,
      imageSize: size,
      inkBox: config.evaluation.inkBox,
      repeats,
    });
    console.log(markdown);
    await writeFileAtomic(out, markdown + "\n");
    console.error(`wrote ${out}`);
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
