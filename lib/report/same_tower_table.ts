/**
 * report.md's "Same tower" table: the Siamese net trained on the triplet experiment's tower
 * (`same-tower`) beside the triplet embeddings, with the steps each trained and the
 * validation accuracy its trainer reported, so that the two losses compare on one tower.
 */
import type { TowerSpec } from "../models/koch.ts";
import type { RunRecord } from "./results.ts";
import { formatAccuracy, markdownTable, type OneShotRow } from "./tables.ts";

/** Method name of the same-tower rows (model_store.ts's SAME_TOWER_METHOD). */
const SAME_TOWER_METHOD = "siamese-triplet-tower";

/** `triplet-35: conv 32-64-64-128, dense 128` (the shared part; the head is its own column). */
export function towerLabel(tower: Pick<TowerSpec, "name" | "convs">, dense: number): string {
  return `${tower.name}: conv ${tower.convs.map((c) => c.filters).join("-")}, dense ${dense}`;
}

type Config = {
  triplet?: { tower?: TowerSpec; embeddingDim?: number; loss?: string; margin?: number };
};
type Model = { steps?: number; bestValidation?: number };

/**
 * The section's Markdown lines, or none when the `same-tower` experiment has no rows in the
 * folder. Rows: the Siamese net on the triplet tower, then each triplet miner whose rows exist
 * (a folder without the triplet experiment shows the Siamese row alone).
 */
export function sameTowerMarkdown(
  oneShot: readonly OneShotRow[],
  run: Pick<RunRecord, "experiments" | "config">,
): string[] {
  const twenty = oneShot.filter((r) =>
    r.dataset === "omniglot" && r.ways === 20 && r.protocol !== "n-way"
  );
  const cell = (experiment: string, method: string, protocol: string) => {
    const row = twenty.find((r) =>
      r.experiment === experiment && r.method === method && r.protocol === protocol
    );
    return row ? formatAccuracy(row) : "";
  };
  if (!twenty.some((r) => r.experiment === "same-tower")) return [];
  const same = run.experiments["same-tower"]?.details as
    | { tower?: TowerSpec; steps?: number; bestValidationAccuracy?: number }
    | undefined;
  const tripletDetails = run.experiments["triplet"]?.details as
    | { models?: Record<string, Model>; embeddingDim?: number; margin?: number; loss?: string }
    | undefined;
  const config = (run.config ?? {}) as Config;
  const tripletTower = config.triplet?.tower;
  const dim = tripletDetails?.embeddingDim ?? config.triplet?.embeddingDim;

  const rows: (string | number)[][] = [[
    SAME_TOWER_METHOD,
    "binary cross-entropy (focal), all pairs",
    same?.tower ? towerLabel(same.tower, same.tower.dense) : "",
    "sigmoid features, weighted L1 + sigmoid",
    same?.steps ?? "",
    same?.bestValidationAccuracy?.toFixed(1) ?? "",
    cell("same-tower", SAME_TOWER_METHOD, "lake-runs"),
    cell("same-tower", SAME_TOWER_METHOD, "koch-400"),
  ]];
  const tripletMethods = [
    ...new Set(twenty.filter((r) => r.experiment === "triplet").map((r) => r.method)),
  ];
  for (const method of tripletMethods) {
    const model = tripletDetails?.models?.[method];
    const miner = method.replace(/^triplet-/, "");
    rows.push([
      method,
      `triplet ${tripletDetails?.loss ?? config.triplet?.loss ?? "margin"}` +
      (tripletDetails?.margin !== undefined ? ` (alpha ${tripletDetails.margin})` : "") +
      `, ${miner}`,
      tripletTower && dim !== undefined ? towerLabel(tripletTower, dim) : "",
      "linear embedding, batch norm, L2 normalisation",
      model?.steps ?? "",
      model?.bestValidation?.toFixed(1) ?? "",
      cell("triplet", method, "lake-runs"),
      cell("triplet", method, "koch-400"),
    ]);
  }
  return [
    "## Same tower: the loss alone (Siamese BCE against triplet)",
    "",
    "The Siamese net (`same-tower`) trained on the triplet experiment's tower for the triplet's " +
    "steps, with the P x K batch and distortions both experiments share, so the loss is what " +
    "differs. What comes with each loss differs unavoidably: the Siamese head (sigmoid features, " +
    "weighted L1, sigmoid) against the triplet net's linear embedding with batch norm and L2 " +
    "normalisation, and each loss keeps its own optimiser settings (rate, decay, L2 weight, " +
    "focal weighting). Validation: best 20-way accuracy on 320 validation-alphabet tasks during " +
    "training.",
    "",
    markdownTable(
      [
        "method",
        "loss",
        "tower",
        "head",
        "steps trained",
        "validation (%)",
        "lake-runs",
        "koch-400",
      ],
      rows,
    ),
    "",
  ];
}
