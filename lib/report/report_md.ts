/**
 * `report.md`: the paper's tables with our rows beside them (value, 95% interval, trials),
 * the n-way curves, verification, MNIST, and the backend and wall time of each part.
 */
import { PAPER_TABLE2, PAPER_VERIFICATION } from "../paper.ts";
import type { RunRecord } from "./results.ts";
import { formatAccuracy, markdownTable, type OneShotRow, type VerificationRow } from "./tables.ts";
import { formatSeconds } from "./progress.ts";
import { describeSlice, type RunSlice } from "../training/run_slice.ts";

/** Inputs of {@link reportMarkdown}. */
export interface ReportInput {
  oneShot: readonly OneShotRow[];
  verification: readonly VerificationRow[];
  run: RunRecord;
  /** File names under `figures/` (HTML, and PNG when rendered). */
  figures: readonly string[];
}

const label = (r: OneShotRow) =>
  r.experiment === r.method ? r.method : `${r.experiment}: ${r.method}`;

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
  const limited = Object.entries(run.experiments).flatMap(([, e]) => e.timeLimit ?? []);
  if (limited.length) {
    out.push("> **Warning: stopped by a time limit.**");
    for (const line of limited) out.push(`> - ${line}.`);
    out.push(
      "> Rows of these models, and MNIST rows scored with them, are those of a shorter run.",
    );
    out.push("");
  }
  const slice = (run.config as { slice?: RunSlice } | null)?.slice;
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
  const twenty = oneShot.filter((r) =>
    r.dataset === "omniglot" && r.ways === 20 && r.protocol !== "n-way"
  );
  const methods = [...new Set(twenty.map(label))];
  const rows2: (string | number)[][] = methods.map((m) => {
    const lake = twenty.find((r) => label(r) === m && r.protocol === "lake-runs");
    const koch = twenty.find((r) => label(r) === m && r.protocol === "koch-400");
    const paper = lake?.paper_accuracy ?? koch?.paper_accuracy;
    return [
      m,
      lake ? formatAccuracy(lake) : "",
      koch ? formatAccuracy(koch) : "",
      lake?.trials ?? koch?.trials ?? "",
      paper !== undefined ? paper.toFixed(1) : "",
    ];
  });
  out.push(
    markdownTable(
      ["This repo", "lake-runs (official 20 runs)", "koch-400 (seeded)", "trials", "Paper"],
      rows2,
    ),
  );
  out.push("");
  out.push("The paper's Table 2, for reference:");
  out.push("");
  out.push(
    markdownTable(
      ["Paper: method", "accuracy"],
      PAPER_TABLE2.map((p) => [p.method, p.accuracy.toFixed(1)]),
    ),
  );
  out.push("");

  // Verification (Table 1).
  out.push("## Verification (paper Table 1)");
  out.push("");
  if (verification.length) {
    out.push(markdownTable(
      [
        "method",
        "train pairs",
        "distortions",
        "test pairs",
        "accuracy",
        "threshold",
        "AUC",
        "EER",
        "Paper",
      ],
      verification.map((v) => [
        `${v.experiment}: ${v.method}`,
        v.train_pairs,
        v.distortions ? "yes" : "no",
        v.test_pairs,
        v.accuracy.toFixed(2),
        v.threshold.toFixed(4),
        v.auc?.toFixed(4) ?? "",
        v.eer?.toFixed(2) ?? "",
        v.paper_accuracy?.toFixed(2) ?? "",
      ]),
    ));
  } else out.push("_No verification rows in this run._");
  out.push("");
  out.push(markdownTable(
    ["Paper: training pairs", "distortions", "accuracy"],
    PAPER_VERIFICATION.map((
      p,
    ) => [p.trainPairs, p.distortions ? "affine" : "none", p.accuracy.toFixed(2)]),
  ));
  out.push("");

  // MNIST.
  out.push("## MNIST 10-way one-shot transfer (paper section 4.4)");
  out.push("");
  const mnist = oneShot.filter((r) => r.dataset === "mnist");
  if (mnist.length) {
    out.push(markdownTable(
      ["This repo", "accuracy [95% CI]", "trials", "Paper"],
      mnist.map((r) => [label(r), formatAccuracy(r), r.trials, r.paper_accuracy?.toFixed(1) ?? ""]),
    ));
  } else out.push("_No MNIST rows in this run._");
  out.push("");

  // N-way curve.
  const curve = oneShot.filter((r) => r.protocol === "n-way");
  if (curve.length) {
    out.push("## N-way within-alphabet accuracy (the paper's curve)");
    out.push("");
    const ways = [...new Set(curve.map((r) => r.ways))].sort((a, b) => a - b);
    const cm = [...new Set(curve.map(label))];
    out.push(markdownTable(
      ["N", ...cm],
      ways.map((
        n,
      ) => [
        n,
        ...cm.map((m) =>
          curve.find((r) => r.ways === n && label(r) === m)?.accuracy.toFixed(1) ?? ""
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
      (e.timeLimit ? ` (${e.timeLimit.length} stopped by the time limit)` : ""),
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
