/**
 * report.md's "Same tower" table: the Siamese net trained on the triplet experiment's tower
 * (`same-tower`) beside the triplet embeddings, with the steps each trained and the
 * validation accuracy its trainer reported, so that the two losses compare on one tower.
 */
import type { TowerSpec } from "../models/koch.ts";
import type { RunRecord } from "./results.ts";
import { formatAccuracy, markdownTable, type OneShotRow } from "./tables.ts";

/** Method names of the same-tower and Siamese rows (model_store.ts's, which report/ does not import). */
const SAME_TOWER_METHOD = "siamese-triplet-tower";
const SIAMESE_METHOD = "siamese-bce";

/**
 * `triplet-35: conv 32-64-64-128, dense 128` (the shared part; the head is its own column), with
 * `, batch norm` for a tower that has it after each convolution.
 */
export function towerLabel(
  tower: Pick<TowerSpec, "name" | "convs" | "batchNorm">,
  dense: number,
): string {
  return `${tower.name}: conv ${tower.convs.map((c) => c.filters).join("-")}` +
    `${tower.batchNorm ? ", batch norm" : ""}, dense ${dense}`;
}

/** The head column: the paper's head, and the cosine head (lib/models/cosine_head.ts). */
const PAPER_HEAD_LABEL = "sigmoid features, weighted L1 + sigmoid";
const COSINE_HEAD_LABEL = "unit features (batch norm, L2), weighted squared L2 + sigmoid";

type Config = {
  siamese?: { tower?: TowerSpec; head?: string };
  triplet?: { tower?: TowerSpec; embeddingDim?: number; loss?: string; margin?: number };
};
type Model = { steps?: number; bestValidation?: number };

/**
 * The section's Markdown lines, or none when the `same-tower` experiment has no rows in the
 * folder. Rows: the Siamese net on the triplet tower, then each triplet miner whose rows exist
 * (a folder without the triplet experiment shows the Siamese row alone), then for reference the
 * Siamese experiment's net on its own tower when its rows exist (same loss, other tower).
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
    | {
      tower?: TowerSpec;
      head?: string;
      pairMining?: string;
      steps?: number;
      bestValidationAccuracy?: number;
    }
    | undefined;
  // Runs before the head was recorded trained the paper's head.
  const cosine = same?.head === "cosine";
  const hardest = same?.pairMining === "hardest";
  const tripletDetails = run.experiments["triplet"]?.details as
    | { models?: Record<string, Model>; embeddingDim?: number; margin?: number; loss?: string }
    | undefined;
  const config = (run.config ?? {}) as Config;
  const tripletTower = config.triplet?.tower;
  const dim = tripletDetails?.embeddingDim ?? config.triplet?.embeddingDim;

  const rows: (string | number)[][] = [[
    SAME_TOWER_METHOD,
    // Runs before the weighting was recorded weighed every pair.
    hardest
      ? "binary cross-entropy (focal), each image's hardest positive and negative pair"
      : "binary cross-entropy (focal), all pairs",
    same?.tower ? towerLabel(same.tower, same.tower.dense) : "",
    cosine ? COSINE_HEAD_LABEL : PAPER_HEAD_LABEL,
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
  const own = run.experiments["siamese"]?.details as
    | { steps?: number; bestValidationAccuracy?: number }
    | undefined;
  const ownTower = config.siamese?.tower;
  if (twenty.some((r) => r.experiment === "siamese" && r.method === SIAMESE_METHOD)) {
    rows.push([
      `${SIAMESE_METHOD} (reference: its own tower)`,
      "binary cross-entropy (focal), all pairs",
      ownTower ? towerLabel(ownTower, ownTower.dense) : "",
      config.siamese?.head === "cosine" ? COSINE_HEAD_LABEL : PAPER_HEAD_LABEL,
      own?.steps ?? "",
      own?.bestValidationAccuracy?.toFixed(1) ?? "",
      cell("siamese", SIAMESE_METHOD, "lake-runs"),
      cell("siamese", SIAMESE_METHOD, "koch-400"),
    ]);
  }
  return [
    "## Same tower: the loss alone (Siamese BCE against triplet)",
    "",
    "The Siamese net (`same-tower`) trained on the triplet experiment's tower for the triplet's " +
    "steps, with the P x K batch, distortions and training characters both experiments share, " +
    "so the loss is what differs. " +
    (cosine
      ? "Its features end as the triplet embedding does (linear, batch norm, L2 normalisation) " +
        "and its head weighs their squared differences (the cosine head, starting as " +
        "10 cos - 5), the triplet's geometry; what still differs with the loss is each loss's " +
        "optimiser settings (rate, decay, L2 weight, focal weighting). "
      : "What comes with each loss differs: the Siamese head (sigmoid features, weighted L1, " +
        "sigmoid) against the triplet net's linear embedding with batch norm and L2 " +
        "normalisation, and each loss keeps its own optimiser settings (rate, decay, L2 " +
        "weight, focal weighting). ") +
    (hardest
      ? "Its cross-entropy is carried by each image's hardest positive and negative pair, the " +
        "pairs batch-hard mines its triplets from. "
      : "") +
    "The last row, the Siamese experiment on its own tower and head (its head column), shows " +
    "the tower's and the head's part for the same loss. Validation: best 20-way accuracy on 320 " +
    "validation-alphabet tasks during training.",
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
