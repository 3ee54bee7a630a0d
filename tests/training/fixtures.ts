/** Small hand-made Omniglot-like splits, and a tower to train on them, for the training tests. */
import type { SiameseConfig } from "../../lib/config.ts";
import type { OmniglotSplit } from "../../lib/data/omniglot.ts";
import type { TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { trainSiamese } from "../../lib/training/siamese_training.ts";

/**
 * A tower small enough for the cpu backend on `size` x `size` images: one 3x3 convolution of 2
 * filters, pooled, batch norm, 4 sigmoid features; `changes` overrides any of it.
 */
export function tinyTower(size: number, changes: Partial<TowerSpec> = {}): TowerSpec {
  return {
    name: "tiny",
    inputSize: size,
    convs: [{ filters: 2, kernel: 3, pool: true }],
    dense: 4,
    denseActivation: "sigmoid",
    batchNorm: true,
    init: "he",
    ...changes,
  };
}

/**
 * A split of `names.length` alphabets x `characters` characters x 20 drawers of
 * `size` x `size` images; pixel i of image (c, d) is `pixel(c, d, i)` (default: the image
 * index c * 20 + d everywhere, so a copied image says where it came from).
 */
export function fakeSplit(
  names: readonly string[],
  characters: number | number[],
  size: number,
  pixel: (c: number, d: number, i: number) => number = (c, d) => c * 20 + d,
  name: "background" | "evaluation" = "background",
): OmniglotSplit {
  const per = names.map((_, a) => (Array.isArray(characters) ? characters[a] : characters));
  const starts = per.map((_, a) => per.slice(0, a).reduce((s, n) => s + n, 0));
  const chars = names.flatMap((alphabet, a) =>
    Array.from(
      { length: per[a] },
      (_, k) => ({
        index: starts[a] + k,
        alphabet,
        name: `character${k + 1}`,
        id: starts[a] + k + 1,
      }),
    )
  );
  const count = chars.length * 20;
  const n = size * size;
  const pixels = new Float32Array(count * n);
  for (let c = 0; c < chars.length; c++) {
    for (let d = 0; d < 20; d++) {
      for (let i = 0; i < n; i++) pixels[(c * 20 + d) * n + i] = pixel(c, d, i);
    }
  }
  return {
    name,
    alphabets: names.map((alphabet, a) => ({
      name: alphabet,
      characters: Array.from({ length: per[a] }, (_, k) => starts[a] + k),
    })),
    characters: chars,
    images: { size, count, pixels },
  };
}

/**
 * The first validation window's mean training loss of `trainSiamese` with `config` on these
 * splits (seed 1, quiet), its net disposed: what a setting does to the very first steps.
 */
export async function firstSiameseLoss(
  config: SiameseConfig,
  background: OmniglotSplit,
  evaluation: OmniglotSplit,
): Promise<number> {
  const { net, result } = await trainSiamese({
    config,
    background,
    evaluation,
    rng: new Rng(1, "siamese"),
    quiet: true,
  });
  net.tower.dispose();
  net.head.dispose();
  return result.history[0].loss;
}
