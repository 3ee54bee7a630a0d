/**
 * The numbers of Koch, Zemel and Salakhutdinov (2015) that our rows are compared with.
 * Keys are `method/protocol` as they appear in `one_shot.csv`.
 */

/** Table 2 (20-way within-alphabet one-shot, 400 trials) and section 4.4 (MNIST 10-way). */
export const PAPER_ONE_SHOT: Record<string, number> = {
  "1-nn/omniglot/20": 21.7,
  "siamese/omniglot/20": 92.0,
  "1-nn/mnist/10": 26.5,
  "siamese/mnist/10": 70.3,
};

/** Table 1: verification accuracy by training pairs and distortions (x8 for 30k, x20 above). */
export const PAPER_VERIFICATION: { trainPairs: number; distortions: boolean; accuracy: number }[] =
  [
    { trainPairs: 30_000, distortions: false, accuracy: 90.61 },
    { trainPairs: 30_000, distortions: true, accuracy: 91.90 },
    { trainPairs: 90_000, distortions: false, accuracy: 91.54 },
    { trainPairs: 90_000, distortions: true, accuracy: 93.15 },
    { trainPairs: 150_000, distortions: false, accuracy: 91.63 },
    { trainPairs: 150_000, distortions: true, accuracy: 93.42 },
  ];

/** Other methods of Table 2, shown beside ours in the report. */
export const PAPER_TABLE2: { method: string; accuracy: number }[] = [
  { method: "Humans", accuracy: 95.5 },
  { method: "Hierarchical Bayesian Program Learning", accuracy: 95.2 },
  { method: "Affine model", accuracy: 81.8 },
  { method: "Hierarchical Deep", accuracy: 65.2 },
  { method: "Deep Boltzmann Machine", accuracy: 62.0 },
  { method: "Simple Stroke", accuracy: 35.2 },
  { method: "1-Nearest Neighbor", accuracy: 21.7 },
  { method: "Siamese Neural Net", accuracy: 58.3 },
  { method: "Convolutional Siamese Net", accuracy: 92.0 },
];

/**
 * The paper's methods that one-shot rows are compared with. The triplet-loss rows have no
 * family: the paper trains no triplet net, so they carry no paper number.
 */
export type PaperFamily = "1-nn" | "siamese";

/**
 * The paper's number for a one-shot row, when it has one: 20-way Omniglot (lake-runs,
 * koch-400, and n-way at N = 20) and 10-way MNIST.
 */
export function paperOneShot(
  family: PaperFamily,
  dataset: string,
  ways: number,
): number | undefined {
  return PAPER_ONE_SHOT[`${family}/${dataset}/${ways}`];
}
