/**
 * `report.md`: the paper's tables with our rows beside them (value, 95% interval, trials),
 * the n-way curves, verification, MNIST, and the backend and wall time of each part.
 */
import type { RunRecord } from "./results.ts";
import {
  methodLabel,
  paperTable1Cells,
  paperTable2Cells,
  table1Cells,
  table2Cells,
  validationCells,
} from "./summary_tables.ts";
import { formatAccuracy, markdownTable, type OneShotRow, type VerificationRow } from "./tables.ts";
import { formatSeconds } from "./progress.ts";
import { timeLimitCount, timeLimitHeading } from "./time_limits.ts";
import { sameTowerMarkdown } from "./same_tower_table.ts";
import { TABLE1_EXPERIMENT, table1ExperimentMarkdown } from "./table1_experiment_table.ts";
import { describeSlice } from "../training/run_slice.ts";
import type { RunSlice } from "../config.ts";

/** Inputs of {@link reportMarkdown}. */
export interface ReportInput {
  oneShot: readonly OneShotRow[];
  verification: readonly VerificationRow[];
  run: RunRecord;
  /** File names under `figures/` (HTML, and PNG when rendered). */
  figures: readonly string[];
}

/** The Markdown text of `report.md`. */
export function reportMarkdown(input: ReportInput): string {
  const { oneShot, verification, run } = input;
  const out: string[] = [];
  out.push(`# Results: profile \`${run.profile}\``);
  out.push("");
  const commits = [
    ...new Set(Object.values(run.experiments).map((e) => e.gitCommit ?? run.gitCommit)),
  ];
  out.push(
    `Seed ${run.seed}, config \`${run.configHash ?? "unknown"}\`, backend \`${run.backend}\`, ` +
      (commits.length > 1
        ? `commits ${commits.map((c) => `\`${c ?? "unknown"}\``).join(", ")} (per experiment below)`
        : `commit \`${commits[0] ?? "unknown"}\``) +
      `, finished ${run.finishedAt}. Accuracies are percentages with 95% Wilson intervals; ` +
      `the paper is Koch, Zemel and Salakhutdinov (2015).`,
  );
  out.push("");
  // run.json's config as read back: the parts of a RunConfig this report looks at, any may lack.
  const config = run.config as { slice?: RunSlice; evaluation?: { inkBox?: number } } | null;
  const inkBox = config?.evaluation?.inkBox;
  if (inkBox !== undefined) {
    out.push(
      `Images: Omniglot cut to ink boxes (not in the paper): each image to the square window in ` +
        `which its ink's bounding box takes ${inkBox} of the side, centred on it, before ` +
        `resampling; training and every protocol alike, MNIST as the paper preprocesses it. ` +
        `The 1-NN rows read the images as released.`,
    );
    out.push("");
  }
  const limited = Object.entries(run.experiments).flatMap(([, e]) => e.timeLimit ?? []);
  if (limited.length) {
    out.push(`> **${timeLimitHeading(limited)}**`);
    for (const line of limited) out.push(`> - ${line}.`);
    out.push(
      "> Rows of these models, and MNIST rows scored with them, are those of a shorter run.",
    );
    out.push("");
  }
  const slice = config?.slice;
  if (slice) {
    out.push("## Bounded slice");
    out.push("");
    out.push(`This run is a slice of the profile, not its full schedule: ${describeSlice(slice)}.`);
    if (slice.skipped.length) {
      out.push("Skipped or reduced:");
      out.push("");
      for (const s of slice.skipped) out.push(`- ${s}`);
    }
    out.push("");
  }

  // Table 2: 20-way within-alphabet one-shot.
  out.push("## One-shot classification, 20-way within-alphabet (paper Table 2)");
  out.push("");
  const table2 = table2Cells(oneShot);
  out.push(markdownTable(table2.header, table2.rows));
  out.push("");
  out.push("The paper's Table 2, for reference:");
  out.push("");
  const paper2 = paperTable2Cells();
  out.push(markdownTable(paper2.header, paper2.rows));
  out.push("");

  // koch-val: the validation protocol, beside the test numbers of the same models.
  const validation = validationCells(oneShot);
  if (validation.rows.length) {
    out.push("## Validation (where choices are made)");
    out.push("");
    out.push(
      "koch-val is koch-400's construction on the 10 validation alphabets, 2,000 trials; every " +
        "choice (rates, towers, steps, stopping) is read from it, choices about the transfer to " +
        "MNIST also from mnist-val (2,000 episodes from MNIST's training set, `deno task tune`), " +
        "and the test protocols (lake-runs, koch-400, n-way, mnist-400) are read once per " +
        "configuration, never to pick.",
    );
    out.push("");
    out.push(markdownTable(validation.header, validation.rows));
    out.push("");
  }

  // The controlled comparison: both losses on one tower.
  out.push(...sameTowerMarkdown(oneShot, run));

  // Verification (Table 1): the rows of the default run; the `table1` experiment's have their
  // own section after it.
  out.push("## Verification (paper Table 1)");
  out.push("");
  const inRun = verification.filter((v) => v.experiment !== TABLE1_EXPERIMENT);
  if (inRun.length) {
    const table1 = table1Cells(inRun);
    out.push(markdownTable(table1.header, table1.rows));
  } else out.push("_No verification rows in this run._");
  out.push("");
  const paper1 = paperTable1Cells();
  out.push(markdownTable(paper1.header, paper1.rows));
  out.push("");
  out.push(...table1ExperimentMarkdown(verification, run));

  // MNIST.
  out.push("## MNIST 10-way one-shot transfer (paper section 4.4)");
  out.push("");
  const mnist = oneShot.filter((r) => r.dataset === "mnist");
  if (mnist.length) {
    out.push(markdownTable(
      ["This repo", "accuracy [95% CI]", "trials", "Paper"],
      mnist.map((
        r,
      ) => [methodLabel(r), formatAccuracy(r), r.trials, r.paper_accuracy?.toFixed(1) ?? ""]),
    ));
  } else out.push("_No MNIST rows in this run._");
  out.push("");

  // N-way curve.
  const curve = oneShot.filter((r) => r.protocol === "n-way");
  if (curve.length) {
    out.push("## N-way within-alphabet accuracy (the paper's curve)");
    out.push("");
    const ways = [...new Set(curve.map((r) => r.ways))].sort((a, b) => a - b);
    const cm = [...new Set(curve.map(methodLabel))];
    out.push(markdownTable(
      ["N", ...cm],
      ways.map((
        n,
      ) => [
        n,
        ...cm.map((m) =>
          curve.find((r) => r.ways === n && methodLabel(r) === m)?.accuracy.toFixed(1) ?? ""
        ),
      ]),
    ));
    out.push("");
  }

  // Provenance.
  out.push("## Runs");
  out.push("");
  out.push(markdownTable(
    ["experiment", "status", "backend", "wall time", "commit", "finished"],
    Object.entries(run.experiments).map(([name, e]) => [
      name,
      e.status + (e.error ? `: ${e.error.split("\n")[0]}` : "") +
      (e.timeLimit ? ` (${timeLimitCount(e.timeLimit)})` : ""),
      e.backend,
      formatSeconds(e.seconds),
      e.gitCommit ?? run.gitCommit ?? "unknown",
      e.finishedAt ?? run.finishedAt,
    ]),
  ));
  out.push("");
  if (input.figures.length) {
    out.push("## Figures");
    out.push("");
    for (const f of input.figures) out.push(`- [${f}](figures/${f})`);
    out.push("");
  }
  return out.join("\n");
}
