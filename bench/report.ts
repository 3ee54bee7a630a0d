/** `throughput.md`: the bench's rows as a Markdown table with its ratios. */
import { type BenchRow, ratioVsCpu, ratioVsPytorch, roundRatios } from "./rows.ts";

function fmt(x: number | null): string {
  return x == null ? "-" : String(x);
}

/** The Markdown report. */
export function benchMarkdown(
  rows: BenchRow[],
  skipped: { name: string; reason: string }[],
  machine: Record<string, unknown>,
): string {
  const lines = [
    "# Throughput per backend",
    "",
    `${machine.cpu} (${machine.cores} cores), Deno ${machine.deno}, tfjs ${machine.tfjs}, ` +
    `${machine.date}.`,
    "",
    "`train`: forward + backward + SGD update of the Siamese net on `batch` pairs (both images " +
    "through the shared tower). `embed`: tower forward pass on `batch` images; its pairs/s is " +
    "images/s / 2. GFLOP/s from an analytic count of conv and dense multiply-adds. Times are " +
    "medians of the timed steps after one warm-up step (none on cpu). `triplet`: the standard " +
    "triplet net on a P x K batch of images, batch-hard margin loss. `vs PyTorch`: the same " +
    "net, batch and optimizer in PyTorch (`--reference pytorch`), same threads; above 1x " +
    "tfjs is faster.",
    "",
    "| backend | model | phase | batch | ms/step | pairs/s | images/s | GFLOP/s | vs cpu | " +
    "vs PyTorch | note |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.model} | ${r.phase} | ${r.batch} | ${fmt(r.ms_per_step)} | ` +
        `${fmt(r.pairs_per_s)} | ${fmt(r.images_per_s)} | ${fmt(r.gflop_per_s)} | ` +
        `${ratioVsCpu(r, rows)} | ${ratioVsPytorch(r, rows)} | ${r.note.replaceAll("|", "/")} |`,
    );
  }
  const ratios = rows.filter((r) =>
    r.backend !== "cpu" && r.backend !== "pytorch" && ratioVsCpu(r, rows) !== ""
  );
  if (ratios.length > 0) {
    lines.push("", "Ratios to the cpu backend (same net, same phase, per pair):", "");
    for (const r of ratios) {
      lines.push(`- ${r.model} ${r.phase}: ${r.backend} = ${ratioVsCpu(r, rows)} cpu`);
    }
  }
  const byRound = roundRatios(rows);
  if (byRound.length > 0) {
    lines.push(
      "",
      `Ratios to PyTorch round by round (\`--rounds ${
        rows.find((r) => r.rounds_ms)!.rounds_ms!.length
      }\`: ` +
        "the backends, then PyTorch, in turn; each round's median step; above 1x tfjs is faster):",
      "",
    );
    for (const line of byRound) lines.push(`- ${line}`);
  }
  if (skipped.length > 0) {
    lines.push("", "Backends that did not start:", "");
    for (const s of skipped) lines.push(`- ${s.name}: ${s.reason}`);
  }
  return lines.join("\n") + "\n";
}
