/**
 * The Markdown of `deno task protocol-gap` (`<results>/protocol_gap.md`): the analysis of
 * `evaluation/protocol_gap.ts` as tables, accuracy first, then how each protocol drew its
 * trials, then per-trial difficulty, per alphabet and per official run.
 */
import { deviation, mean } from "d3-array";
import type { SpreadFactor } from "../episodes/factor_spread_trials.ts";
import type { ConstructionSummary, ProtocolGap } from "../evaluation/protocol_gap.ts";
import { formatAccuracy, markdownTable } from "./tables.ts";

/** What the report says about where its numbers come from. */
export interface ProtocolGapHeading {
  /** Results folder the models were read from. */
  results: string;
  profile: string;
  seed: number;
  imageSize: number;
  /** The ink box the models' images were cut to (`evaluation.inkBox`), which 1-NN here reads too. */
  inkBox?: number;
  /** Draws of each run per variant with a random factor. */
  repeats: number;
}

const pct = (v: number) => v.toFixed(2);
const num = (v: number) => Number.isFinite(v) ? v.toFixed(3) : String(v);

function summary(gap: ProtocolGap, method: string, key: string): ConstructionSummary {
  const found = gap.methods.find((m) => m.method === method)?.constructions.find((c) =>
    c.key === key
  );
  if (!found) throw new RangeError(`protocolGapMarkdown: no ${key} for ${method}`);
  return found;
}

/** The whole report. */
export function protocolGapMarkdown(gap: ProtocolGap, heading: ProtocolGapHeading): string {
  const methods = gap.methods.map((m) => m.method);
  const acc = (method: string, key: string) => {
    const s = summary(gap, method, key);
    return formatAccuracy({ accuracy: s.accuracy, ci_low: s.ciLow, ci_high: s.ciHigh });
  };
  const diff = (method: string, a: string, b: string) =>
    (summary(gap, method, a).accuracy - summary(gap, method, b).accuracy).toFixed(2);
  const out: string[] = [];
  out.push(
    "# lake-runs against koch-400: where the gap comes from",
    "",
    `Models of \`${heading.results}\` (profile ${heading.profile}, seed ${heading.seed}, ` +
      `${heading.imageSize}x${heading.imageSize}` +
      (heading.inkBox === undefined
        ? ""
        : `, every image cut to its ink box at ${heading.inkBox}, 1-NN's too`) +
      "). The official runs are rebuilt on " +
      "images_evaluation (their images located by exact pixel match) with their characters " +
      "and/or drawers replaced by koch-400's random draw (20 characters of the run's alphabet; " +
      `one random drawer for the supports, another for the queries), ${heading.repeats} ` +
      "draws of each run per variant with a random factor. Accuracy in percent with 95% " +
      "Wilson intervals.",
    "",
    "## Accuracy per construction",
    "",
    markdownTable(
      ["construction", "trials", ...methods],
      [
        ...gap.constructions.map((c) => [
          c.label,
          c.trials,
          ...methods.map((m) => acc(m, c.key)),
        ]),
        [
          "gap: lake-runs - koch-400",
          "",
          ...methods.map((m) => diff(m, "lake-runs", "koch-400")),
        ],
        [
          "Lake's characters: official/random - random/random",
          "",
          ...methods.map((m) => diff(m, "official/random", "random/random")),
        ],
        [
          "Lake's drawers: random/official - random/random",
          "",
          ...methods.map((m) => diff(m, "random/official", "random/random")),
        ],
        [
          "koch-400's own draw: koch-400 - random/random",
          "",
          ...methods.map((m) => diff(m, "koch-400", "random/random")),
        ],
      ],
    ),
    "",
    "## How the trials were drawn",
    "",
    "Drawers are the release's `_NN` suffixes; a Lake run is one drawer for all supports and " +
      "one for all queries, a koch-400 draw one pair of drawers used in both directions.",
    "",
    markdownTable(
      [
        "alphabet",
        "characters",
        "Lake's characters",
        "both runs same characters",
        "Lake's drawers (support->query)",
        "koch-400 characters",
        "of them Lake's",
        "koch-400 drawers",
      ],
      gap.draws.map((d) => [
        d.alphabet,
        d.characters,
        d.lakeCharacters,
        d.lakeRunsShareCharacters ? "yes" : "no",
        d.lakeDrawers.join(", "),
        d.kochCharacters,
        d.kochOverlap,
        d.kochDrawers.join(", "),
      ]),
    ),
    "",
  );
  out.push(
    "## Trial difficulty",
    "",
    "Similarities in each scorer's own units (cosine for 1-NN, the head's logit for the " +
      "Siamese net, minus the distance for triplet embeddings): compare rows within one " +
      "scorer. Margin = right candidate's similarity minus the best wrong one's. A look-alike " +
      "is a wrong candidate at least as similar to the right candidate's support image as the " +
      "query is.",
    "",
  );
  for (const method of methods) {
    out.push(
      `### ${method}`,
      "",
      markdownTable(
        [
          "construction",
          "accuracy",
          "median right",
          "median best wrong",
          "median margin",
          "10th pct margin",
          "wrong >= right, mean",
          "look-alikes, mean",
          "trials with a look-alike",
        ],
        gap.constructions.map((c) => {
          const s = summary(gap, method, c.key);
          return [
            c.label,
            pct(s.accuracy),
            num(s.medianCorrect),
            num(s.medianBestWrong),
            num(s.medianMargin),
            num(s.q10Margin),
            s.meanRivals.toFixed(2),
            s.meanLookAlikes.toFixed(2),
            `${s.withLookAlike.toFixed(1)}%`,
          ];
        }),
      ),
      "",
    );
  }
  const spread = gap.methods.filter((m) => m.spreads);
  const texts: Record<SpreadFactor, { title: string; text: string; unit: string }> = {
    characters: {
      title: "## Lake's characters against random character sets",
      text: "Per alphabet, Lake's 20 characters and DRAWS random sets of 20 of the alphabet's " +
        "characters, all on the same SHARED random drawer pairs (TRIALS trials per set).",
      unit: "alphabet",
    },
    drawers: {
      title: "## Lake's drawers against random drawer pairs",
      text: "Per official run, its support and query drawers and DRAWS random pairs of " +
        "drawers, all on the same SHARED random character sets of the run's alphabet (TRIALS " +
        "trials per pair).",
      unit: "run",
    },
  };
  for (const factor of ["characters", "drawers"] as const) {
    if (spread.length === 0) break;
    const first = spread[0].spreads![factor];
    const t = texts[factor];
    out.push(
      t.title,
      "",
      t.text.replace("DRAWS", String(first.randomMeans.length))
        .replace("SHARED", String(first.trialsPerDraw / 20))
        .replace("TRIALS", String(first.trialsPerDraw)) +
        " Each cell: Lake's / the random draws' mean [lowest, highest] / how many random draws " +
        `score below Lake's. 'All ${t.unit}s' compares the mean over ${t.unit}s of Lake's ` +
        `choices with the same mean for random draw i (one koch-style draw per ${t.unit}); ` +
        "its sd is the spread of one such draw's score (the binomial noise of its trials included).",
      "",
      markdownTable(
        [t.unit, ...spread.map((m) => m.method)],
        [
          ...first.units.map((u, i) => [
            u.unit,
            ...spread.map((m) => {
              const x = m.spreads![factor].units[i];
              return `${pct(x.lake)} / ${pct(x.randomMean)} [${x.randomMin.toFixed(1)}, ${
                x.randomMax.toFixed(1)
              }] / ${x.below} of ${x.draws}`;
            }),
          ]),
          [
            `all ${t.unit}s`,
            ...spread.map((m) => {
              const c = m.spreads![factor];
              return `${pct(c.lakeMean)} / ${pct(mean(c.randomMeans)!)} [${
                Math.min(...c.randomMeans).toFixed(1)
              }, ${Math.max(...c.randomMeans).toFixed(1)}], sd ${
                (deviation(c.randomMeans) ?? NaN).toFixed(2)
              } / above ${c.lakePercentile.toFixed(0)}% of draws`;
            }),
          ],
        ],
      ),
      "",
    );
  }
  const drawerRows = gap.methods[0]?.drawers.query.map((g) => g.group) ?? [];
  if (drawerRows.length > 0) {
    out.push(
      "## Accuracy by drawer (random characters, random drawers)",
      "",
      "The release's drawer suffix of the query image and of the support images; Lake's runs " +
        "use drawers 1-8 only.",
      "",
      markdownTable(
        ["drawer", ...methods.flatMap((m) => [`${m}: as query`, "as support"])],
        drawerRows.map((d) => [
          d,
          ...gap.methods.flatMap((m) => {
            const q = m.drawers.query.find((g) => g.group === d);
            const s = m.drawers.support.find((g) => g.group === d);
            return [
              q ? `${pct(q.accuracy)} (${q.trials})` : "",
              s ? `${pct(s.accuracy)} (${s.trials})` : "",
            ];
          }),
        ]),
      ),
      "",
    );
  }
  out.push("## Accuracy per alphabet", "");
  const alphabets = gap.draws.map((d) => d.alphabet);
  for (const method of methods) {
    const columns = gap.constructions.filter((c) => c.key !== "official/official");
    out.push(
      `### ${method}`,
      "",
      markdownTable(
        ["alphabet", ...columns.map((c) => c.key)],
        alphabets.map((a) => [
          a,
          ...columns.map((c) => {
            const g = summary(gap, method, c.key).byAlphabet.find((x) => x.group === a);
            return g ? `${pct(g.accuracy)} (${g.trials})` : "";
          }),
        ]),
      ),
      "",
    );
  }
  out.push(
    "## Accuracy per official run",
    "",
    markdownTable(
      ["run", "alphabet", "drawers (support->query)", ...methods],
      gap.runs.map((r) => [
        r.name,
        r.alphabet,
        `${[...new Set(r.supportDrawers)].map((d) => d + 1).join("/")}->${
          [...new Set(r.queryDrawers)].map((d) => d + 1).join("/")
        }`,
        ...methods.map((m) => {
          const g = summary(gap, m, "lake-runs").byGroup.find((x) => x.group === r.name);
          return g ? pct(g.accuracy) : "";
        }),
      ]),
    ),
    "",
  );
  return out.join("\n");
}
