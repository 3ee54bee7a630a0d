/**
 * `deno task data`: fetch (when absent) and verify the data sets, and build the decode
 * cache. A no-op apart from verification when everything is present and valid.
 * Exit 0 when valid, 2 with a message that says what to do otherwise.
 */
import { exitOnDataError, parseCommandLine, parseFlags } from "../lib/cli.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { loadOmniglot } from "../lib/data/omniglot.ts";
import { Progress } from "../lib/report/progress.ts";

const HELP =
  "deno task data\n\nDownloads Omniglot into data/omniglot/ unless OMNIGLOT_DIR names a folder with the zips,\n" +
  "verifies alphabets, characters, drawers and image sizes, builds data/cache/, and checks MNIST.";

/** Run the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    (args) => parseFlags(args, { help: { type: "boolean", short: "h", default: false } }),
    argv,
    HELP,
  );
  if (typeof parsed === "number") return parsed;
  return await exitOnDataError(async () => {
    const o = await loadOmniglot({
      size: 105,
      progress: (label, total) => new Progress({ label, total }),
    });
    console.log(
      `Omniglot OK (${o.source}): background ${o.background.alphabets.length} alphabets / ` +
        `${o.background.characters.length} characters, evaluation ${o.evaluation.alphabets.length} / ` +
        `${o.evaluation.characters.length}, ${o.runs.length} official runs; 105x105.`,
    );
    const m = await loadMnist({ split: "test" });
    console.log(`MNIST OK: ${m.images.count} test images, ${m.images.size}x${m.images.size}.`);
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
