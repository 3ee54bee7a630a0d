/**
 * Plotly figure specs built from result rows. Pure data: rendering lives in display.ts
 * (notebooks) and export.ts (standalone HTML and PNG).
 */
import { ascending, group } from "d3-array";
import type { OneShotRow } from "./tables.ts";
import type { Figure } from "./figure.ts";

/** Accuracy against N for each method's n-way rows, with 95% interval bands as error bars. */
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
