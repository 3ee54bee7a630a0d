/**
 * Plotly figure specs built from result rows. Pure data: rendering lives in display.ts
 * (notebooks) and export.ts (standalone HTML and PNG).
 */
import { ascending, group, rollups } from "d3-array";
import type { OneShotRow } from "./tables.ts";
import type { Figure } from "./figure.ts";

/**
 * Accuracy against N for each method's n-way rows, with 95% interval bands as error bars, and
 * the paper's numbers where rows carry one (its 20-way Table 2: 1-NN 21.7, Siamese 92.0).
 */
export function nWayCurveFigure(rows: readonly OneShotRow[], name = "n_way_curve"): Figure {
  const curve = rows.filter((r) => r.protocol === "n-way");
  const methods = group(curve, (r) => `${r.experiment}/${r.method}`);
  const data = [...methods].map(([m, rows]) => {
    const pts = [...rows].sort((a, b) => ascending(a.ways, b.ways));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: m,
      x: pts.map((p) => p.ways),
      y: pts.map((p) => p.accuracy),
      error_y: {
        type: "data",
        symmetric: false,
        array: pts.map((p) => p.ci_high - p.accuracy),
        arrayminus: pts.map((p) => p.accuracy - p.ci_low),
      },
    };
  });
  // One marker per distinct paper number: the 1-NN rows share one, the Siamese rows another.
  const paper = rollups(
    curve.filter((r) => r.paper_accuracy !== undefined),
    (rs) => rs.map((r) => r.method).join(", "),
    (r) => r.ways,
    (r) => r.paper_accuracy!,
  ).flatMap(([ways, values]) => values.map(([accuracy, methods]) => ({ ways, accuracy, methods })));
  if (paper.length) {
    data.push(
      {
        type: "scatter",
        mode: "markers",
        name: "paper (Koch et al. 2015)",
        x: paper.map((p) => p.ways),
        y: paper.map((p) => p.accuracy),
        text: paper.map((p) => `paper, as ${p.methods}`),
        marker: { symbol: "star", size: 13, color: "black" },
      } as unknown as typeof data[number],
    );
  }
  data.push(
    {
      type: "scatter",
      mode: "lines",
      name: "chance",
      x: Array.from({ length: 19 }, (_, i) => i + 2),
      y: Array.from({ length: 19 }, (_, i) => 100 / (i + 2)),
      line: { dash: "dot", color: "grey" },
    } as unknown as typeof data[number],
  );
  return {
    name,
    title: "Within-alphabet N-way one-shot accuracy (test alphabets)",
    data,
    layout: {
      title: { text: "Within-alphabet N-way one-shot accuracy (test alphabets)" },
      xaxis: { title: { text: "N (ways)" }, dtick: 2 },
      yaxis: { title: { text: "accuracy (%)" }, range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}
