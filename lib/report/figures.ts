/**
 * Plotly figure specs built from result rows and training records. Pure data: rendering
 * lives in display.ts (notebooks) and export.ts (standalone HTML and PNG).
 */
import { ascending, group, rollups } from "d3-array";
import type { EmbeddingVerification } from "../evaluation/embedding_eval.ts";
import type { HistoryPoint } from "../training/checkpoint.ts";
import type { TripletKindsPoint } from "../training/triplet_training.ts";
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

/** Loss and validation accuracy against steps. */
export function trainingCurveFigure(
  history: readonly HistoryPoint[],
  name = "siamese_training",
  title = "Siamese net (BCE): training",
): Figure {
  const points = history.filter((h) => h.accuracy !== undefined);
  return {
    name,
    title,
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        name: "training loss",
        x: points.map((h) => h.step),
        y: points.map((h) => h.loss),
        yaxis: "y",
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation 20-way accuracy (%)",
        x: points.map((h) => h.step),
        y: points.map((h) => h.accuracy),
        yaxis: "y2",
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "weighted BCE" }, rangemode: "tozero" },
      yaxis2: { title: { text: "accuracy (%)" }, overlaying: "y", side: "right", range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}

/** ROC curves of the test verification pairs, one per model. */
export function rocFigure(rocs: { method: string; result: EmbeddingVerification }[]): Figure {
  const data = rocs.map(({ method, result }) => {
    const step = Math.max(1, Math.floor(result.roc.fpr.length / 400));
    const keep = result.roc.fpr.map((_, i) => i).filter((i) =>
      i % step === 0 || i === result.roc.fpr.length - 1
    );
    return {
      type: "scatter",
      mode: "lines",
      name: `${method} (AUC ${result.result.auc.toFixed(3)}, EER ${result.result.eer.toFixed(1)}%)`,
      x: keep.map((i) => result.roc.fpr[i]),
      y: keep.map((i) => result.roc.tpr[i]),
    };
  });
  data.push(
    {
      type: "scatter",
      mode: "lines",
      name: "chance",
      x: [0, 1],
      y: [0, 1],
      line: { dash: "dot", color: "grey" },
    } as never,
  );
  const title = "Triplet embeddings: verification ROC on test-alphabet pairs";
  return {
    name: "triplet_roc",
    title,
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: "false positive rate" }, range: [0, 1] },
      yaxis: { title: { text: "true positive rate" }, range: [0, 1] },
      legend: { orientation: "h", y: -0.2 },
      width: 640,
      height: 560,
    },
  };
}

/** Hard / semi-hard / easy fractions of the batches' triplets over training (FaceNet section 3.2). */
export function tripletKindsFigure(
  method: string,
  kinds: TripletKindsPoint[],
  margin: number,
): Figure {
  const x = kinds.map((k) => k.step);
  const line = (name: string, y: number[], color: string) => ({
    type: "scatter",
    mode: "lines",
    stackgroup: "kinds",
    name,
    x,
    y: y.map((v) => 100 * v),
    line: { color },
  });
  const title = `${method}: kinds of triplets in the training batches (alpha = ${margin})`;
  return {
    name: `${method.replaceAll("-", "_")}_triplet_kinds`,
    title,
    data: [
      line("hard: d(a,n) < d(a,p)", kinds.map((k) => k.hard), "#d62728"),
      line("semi-hard: d(a,p) <= d(a,n) < d(a,p) + alpha", kinds.map((k) => k.semiHard), "#ff7f0e"),
      line("easy: d(a,n) >= d(a,p) + alpha", kinds.map((k) => k.easy), "#2ca02c"),
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "training step" } },
      yaxis: { title: { text: "% of valid triplets" }, range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}

/** Validation one-shot accuracy over training, one line per model (miner). */
export function validationFigure(
  models: readonly { method: string; history: readonly HistoryPoint[] }[],
): Figure {
  const title = "Triplet embeddings: validation 20-way one-shot accuracy during training";
  return {
    name: "triplet_validation",
    title,
    data: models.map((m) => {
      const pts = m.history.filter((h) => h.accuracy !== undefined);
      return {
        type: "scatter",
        mode: "lines+markers",
        name: m.method,
        x: pts.map((p) => p.step),
        y: pts.map((p) => p.accuracy),
      };
    }),
    layout: {
      title: { text: title },
      xaxis: { title: { text: "training step" } },
      yaxis: { title: { text: "accuracy (%)" }, range: [0, 100] },
      legend: { orientation: "h", y: -0.2 },
      width: 760,
      height: 480,
    },
  };
}
