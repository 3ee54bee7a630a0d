/**
 * A tiny evaluation split and two official runs for the protocol-gap tests. Image
 * `c * 20 + d` (character c, drawer d) is 4x4 with pixel 0 = c + 1 and pixel 1 = d + 1, so
 * every image is unique and a fixture scorer can read its character and drawer back.
 */
import type { ImageSet } from "../../lib/data/images.ts";
import type { OmniglotSplit } from "../../lib/data/omniglot.ts";
import type { LakeRun } from "../../lib/data/lake_runs.ts";
import type { RunSource } from "../../lib/episodes/run_sources.ts";

/** Alphabet A: characters 0-5; alphabet B: characters 6-10. */
export function fixtureSplit(): OmniglotSplit {
  const sizes = { A: 6, B: 5 };
  const characters = [];
  const alphabets = [];
  for (const [name, n] of Object.entries(sizes)) {
    const idx = [];
    for (let c = 0; c < n; c++) {
      idx.push(characters.length);
      characters.push({
        index: characters.length,
        alphabet: name,
        name: `character${c + 1}`,
        id: characters.length + 1,
      });
    }
    alphabets.push({ name, characters: idx });
  }
  const count = characters.length * 20;
  const pixels = new Float32Array(count * 16);
  for (let i = 0; i < count; i++) {
    pixels[i * 16] = Math.floor(i / 20) + 1;
    pixels[i * 16 + 1] = (i % 20) + 1;
  }
  return { name: "evaluation", alphabets, characters, images: { size: 4, count, pixels } };
}

/** The two runs' true sources: 3-way, one alphabet each. */
export const FIXTURE_SOURCES: RunSource[] = [
  {
    name: "run01",
    alphabet: "A",
    characters: [0, 2, 4],
    supportDrawers: [4, 4, 4],
    queryDrawers: [7, 7, 7],
    answers: [2, 0, 1],
  },
  {
    name: "run02",
    alphabet: "B",
    characters: [6, 7, 9],
    supportDrawers: [0, 0, 0],
    queryDrawers: [1, 1, 1],
    answers: [1, 2, 0],
  },
];

function copy(split: OmniglotSplit, indices: number[]): ImageSet {
  const per = split.images.size * split.images.size;
  const pixels = new Float32Array(indices.length * per);
  indices.forEach((i, k) =>
    pixels.set(split.images.pixels.subarray(i * per, (i + 1) * per), k * per)
  );
  return { size: split.images.size, count: indices.length, pixels };
}

/** The runs as all_runs.zip would hold them: copies of the split's images. */
export function fixtureRuns(split: OmniglotSplit): LakeRun[] {
  return FIXTURE_SOURCES.map((s) => ({
    name: s.name,
    training: copy(split, s.characters.map((c, k) => c * 20 + s.supportDrawers[k])),
    test: copy(split, s.answers.map((k, q) => s.characters[k] * 20 + s.queryDrawers[q])),
    answers: [...s.answers],
  }));
}

/** Character and drawer of a fixture image, read from its pixels. */
export function readImage(bank: ImageSet, index: number): { character: number; drawer: number } {
  const per = bank.size * bank.size;
  return { character: bank.pixels[index * per] - 1, drawer: bank.pixels[index * per + 1] - 1 };
}
