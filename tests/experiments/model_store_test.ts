import assert from "node:assert/strict";
import { profileConfig, resolveConfig } from "../../lib/profiles.ts";
import { smallTripletBatch } from "./small_triplet_batch.ts";
import { siameseDir, table1Dir, tripletDir } from "../../lib/experiments/model_store.ts";
import {
  sameTowerHash,
  siameseHash,
  table1ExperimentHash,
  tripletHash,
} from "../../lib/experiments/model_hashes.ts";

Deno.test("the config hashes of the existing profiles are the ones their saved models carry", () => {
  // Computed by the code before the model store existed (commit fad9072); a change here
  // makes every saved model of that profile stale, so it must be deliberate.
  const hashes = (profile: string, inkBox?: number, tripletBatch = 16, tripletAverage?: number) => {
    const config = profileConfig(profile);
    // The pins below were made before the ink boxes: each profile's images as released; before
    // the standard profile's triplet batch went from 16 to 32 characters (commit 8637af6); and
    // before the triplet block averaged its weights (commit b2c2014).
    config.evaluation.inkBox = inkBox;
    config.triplet.weightAverage = tripletAverage;
    if (profile === "standard" && tripletBatch === 16) smallTripletBatch(config);
    const out: Record<string, string> = { siamese: siameseHash(config) };
    for (const trainPairs of config.siamese.table1.trainPairs) {
      for (const distortions of config.siamese.table1.distortions) {
        out[`table1 ${trainPairs} ${distortions}`] = siameseHash(config, {
          trainPairs,
          distortions,
        });
      }
    }
    for (const miner of config.triplet.miners) out[`triplet-${miner}`] = tripletHash(config, miner);
    return out;
  };
  assert.deepEqual(hashes("standard"), {
    siamese: "cbbd7f15492928c5",
    "table1 30000 false": "5a755166afe40adc",
    "table1 30000 true": "92739937c38481db",
    "triplet-batch-hard": "e311e49c60404c17",
    "triplet-semi-hard": "a0051238a8862938",
  });
  assert.deepEqual(hashes("quick"), {
    siamese: "35eb21714db3a387",
    "table1 2000 true": "9cd4b69863f8cead",
    "triplet-batch-hard": "7d2c60a5b2e76ca0",
    "triplet-semi-hard": "049d4661f9b93db1",
  });
  assert.deepEqual(hashes("paper"), {
    siamese: "d7703c67709bb900",
    "table1 30000 false": "a6b243010a86b0ce",
    "table1 30000 true": "11a535e37c8ddc12",
    "table1 90000 false": "288c1d715209dc30",
    "table1 90000 true": "c4a2c93c9781ebdb",
    "table1 150000 false": "ae536a5ebde57936",
    "table1 150000 true": "931675ed3532f9d1",
    "triplet-batch-hard": "f4ff8589d4d0466e",
    "triplet-semi-hard": "f52228fbdb349268",
  });
  // The standard and quick profiles cut the images to ink boxes (0.8) from commit NEXT on.
  assert.deepEqual(hashes("standard", 0.8), {
    siamese: "f0b13d8cb1bc0d26",
    "table1 30000 false": "3e9cb3f02a0062e7",
    "table1 30000 true": "34133e8a75ebf1bd",
    "triplet-batch-hard": "e0eb1c59d9068d1f",
    "triplet-semi-hard": "33a18b4816d0fd9f",
  });
  // From commit 8637af6 the standard triplet block trains on 32 characters a step (the hashes
  // its standard run saved its models under).
  assert.deepEqual(hashes("standard", 0.8, 32), {
    siamese: "f0b13d8cb1bc0d26",
    "table1 30000 false": "3e9cb3f02a0062e7",
    "table1 30000 true": "34133e8a75ebf1bd",
    "triplet-batch-hard": "cdbae58fd8cbbdcf",
    "triplet-semi-hard": "4c8911debdf5a29c",
  });
  // From commit b2c2014 the triplet block averages its weights (0.999), quick profile too.
  assert.deepEqual(hashes("standard", 0.8, 32, 0.999), {
    siamese: "f0b13d8cb1bc0d26",
    "table1 30000 false": "3e9cb3f02a0062e7",
    "table1 30000 true": "34133e8a75ebf1bd",
    "triplet-batch-hard": "1bd6fab692b2a463",
    "triplet-semi-hard": "3bc7d537755cf0ea",
  });
  assert.deepEqual(hashes("quick", 0.8, 16, 0.999), {
    siamese: "0e502947704baaef",
    "table1 2000 true": "26706251fa79fe78",
    "triplet-batch-hard": "537fca3e8eba79ff",
    "triplet-semi-hard": "436118ecaeb567f2",
  });
  assert.deepEqual(hashes("quick", 0.8), {
    siamese: "0e502947704baaef",
    "table1 2000 true": "26706251fa79fe78",
    "triplet-batch-hard": "12d8bbd3c1975a7f",
    "triplet-semi-hard": "9c6661b43fc1558a",
  });
  assert.equal(profileConfig("standard").evaluation.inkBox, 0.8);
  assert.equal(profileConfig("quick").evaluation.inkBox, 0.8);
  assert.equal(profileConfig("paper").evaluation.inkBox, undefined);
});

Deno.test("the Siamese hash ignores the verification pairs and Table 1, but not a training setting", () => {
  const a = resolveConfig("quick");
  const b = resolveConfig("quick");
  b.siamese.table1.steps += 1;
  assert.equal(siameseHash(a), siameseHash(b));
  assert.notEqual(
    siameseHash(a, { trainPairs: 2_000, distortions: true }),
    siameseHash(b, { trainPairs: 2_000, distortions: true }),
  );
  b.siamese.focus = 0;
  assert.notEqual(siameseHash(a), siameseHash(b));
  assert.notEqual(
    siameseHash(a, { trainPairs: 2_000, distortions: true }),
    siameseHash(a, { trainPairs: 2_000, distortions: false }),
  );
});

Deno.test("the Siamese hash changes with a slice's validation tasks, as the triplet hash does", () => {
  // A one-shot-only slice validates on fewer tasks, which can pick other best weights: its
  // model must not be reused by a run validating on all 320 (nor the other way round).
  const a = resolveConfig("paper");
  const c = resolveConfig("paper");
  c.siamese.validationTrialsPerAlphabet = 2;
  assert.notEqual(siameseHash(a), siameseHash(c));
  const d = resolveConfig("paper");
  d.siamese.validationTrialsPerAlphabet = 3;
  assert.notEqual(siameseHash(c), siameseHash(d));
  // Unset, the profile's hash is the one its saved models carry (pinned above).
  assert.equal(siameseHash(a), "d7703c67709bb900");
});

Deno.test("the triplet hash changes with the decay interval, which no longer follows validateEvery", () => {
  const a = resolveConfig("quick");
  const b = resolveConfig("quick");
  b.triplet.validateEvery = 25;
  b.triplet.decayEvery = 25;
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(b, "batch-hard"));
  b.triplet.decayEvery = a.triplet.decayEvery;
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(b, "batch-hard"));
  const c = resolveConfig("quick");
  c.triplet.decayEvery = 10;
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(c, "batch-hard"));
});

Deno.test("the triplet hash changes with the miner and with any triplet setting, not with the miner list", () => {
  const a = resolveConfig("quick");
  const b = resolveConfig("quick");
  b.triplet.miners = ["random"];
  assert.equal(tripletHash(a, "batch-hard"), tripletHash(b, "batch-hard"));
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(a, "semi-hard"));
  b.triplet.margin = 0.3;
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(b, "batch-hard"));
  // A one-shot-only slice validates on fewer tasks, which can pick other best weights.
  const c = resolveConfig("quick");
  c.triplet.validationTrialsPerAlphabet = 2;
  assert.notEqual(tripletHash(a, "batch-hard"), tripletHash(c, "batch-hard"));
});

Deno.test("Omniglot cut to its ink boxes changes every model's hash; unset, the hashes are the saved ones", () => {
  const base = resolveConfig("standard");
  base.evaluation.inkBox = undefined;
  // The pins were made before the triplet batch doubled (commit 8637af6).
  smallTripletBatch(base);
  const boxed = resolveConfig("standard");
  boxed.evaluation.inkBox = 0.8;
  assert.notEqual(siameseHash(boxed), siameseHash(base));
  assert.notEqual(
    siameseHash(boxed, { trainPairs: 30_000, distortions: true }),
    siameseHash(base, { trainPairs: 30_000, distortions: true }),
  );
  assert.notEqual(tripletHash(boxed, "batch-hard"), tripletHash(base, "batch-hard"));
  assert.notEqual(sameTowerHash(boxed), sameTowerHash(base));
  assert.notEqual(
    table1ExperimentHash(boxed, { trainPairs: 30_000, distortions: true }),
    table1ExperimentHash(base, { trainPairs: 30_000, distortions: true }),
  );
  const other = resolveConfig("standard");
  other.evaluation.inkBox = 0.9;
  assert.notEqual(tripletHash(other, "batch-hard"), tripletHash(boxed, "batch-hard"));
  // Deskewed images are other images: every kind of model.
  const sheared = resolveConfig("standard");
  sheared.evaluation.deskew = 1;
  const boxedNow = resolveConfig("standard");
  assert.notEqual(siameseHash(sheared), siameseHash(boxedNow));
  assert.notEqual(tripletHash(sheared, "batch-hard"), tripletHash(boxedNow, "batch-hard"));
  assert.notEqual(sameTowerHash(sheared), sameTowerHash(boxedNow));
  // Left unset (every profile), the keys are those of before: the pinned hashes.
  assert.equal(siameseHash(base), "cbbd7f15492928c5");
  assert.equal(tripletHash(base, "batch-hard"), "e311e49c60404c17");
});

Deno.test("the model layout: one folder per model under <out>/models", () => {
  assert.equal(siameseDir("r"), "r/models/siamese");
  assert.equal(
    table1Dir("r", { trainPairs: 30_000, distortions: false }),
    "r/models/siamese/table1/30000-plain",
  );
  assert.equal(tripletDir("r", "batch-hard"), "r/models/triplet-batch-hard");
});

Deno.test("the study settings quarter turns, thick strokes, elastic distortions, normalized features, pair mining, the cosine head, weight averaging, mirror images, the cosine schedule, the triplet's L2 weight, random erasing, doppelgangers, sharpness-aware steps, dropout and fewer training alphabets change the hashes when set", () => {
  // Pinned before the ink boxes (the images as released) and the doubled triplet batch.
  const standard = () => {
    const config = resolveConfig("standard");
    config.evaluation.inkBox = undefined;
    return smallTripletBatch(config);
  };
  const base = standard();
  const variants: [string, (c: ReturnType<typeof resolveConfig>) => void][] = [
    ["siamese quarterTurns", (c) => (c.siamese.quarterTurns = 4)],
    ["siamese normalizedFeatures", (c) => (c.siamese.normalizedFeatures = true)],
    ["siamese pairMining", (c) => (c.siamese.pairMining = "hardest")],
    ["siamese head", (c) => (c.siamese.head = "cosine")],
    ["siamese thickStrokes", (c) => (c.siamese.thickStrokes = 0.5)],
    ["siamese weightAverage", (c) => (c.siamese.weightAverage = 0.99)],
    ["siamese mirrors", (c) => (c.siamese.mirrors = true)],
    ["siamese tripletWeight", (c) => (c.siamese.tripletWeight = 1)],
    ["siamese elastic", (c) => (c.siamese.elastic = 6)],
    ["siamese erasing", (c) => (c.siamese.erasing = 0.5)],
    ["siamese lrSchedule", (c) => (c.siamese.lrSchedule = "cosine")],
    ["siamese sharpness", (c) => (c.siamese.sharpness = 0.05)],
    ["siamese trainingAlphabets", (c) => (c.siamese.trainingAlphabets = 20)],
  ];
  for (const [name, change] of variants) {
    const c = standard();
    change(c);
    assert.notEqual(siameseHash(c), siameseHash(base), name);
  }
  const averaged = standard();
  averaged.triplet.weightAverage = 0.999;
  assert.notEqual(tripletHash(averaged, "batch-hard"), tripletHash(base, "batch-hard"));
  const bent = standard();
  bent.triplet.elastic = 6;
  assert.notEqual(tripletHash(bent, "batch-hard"), tripletHash(base, "batch-hard"));
  const annealed = standard();
  annealed.triplet.lrSchedule = "cosine";
  assert.notEqual(tripletHash(annealed, "batch-hard"), tripletHash(base, "batch-hard"));
  const decayed = standard();
  decayed.triplet.l2 = 1e-4;
  assert.notEqual(tripletHash(decayed, "batch-hard"), tripletHash(base, "batch-hard"));
  const paired = standard();
  paired.triplet.doppelgangers = 5;
  assert.notEqual(tripletHash(paired, "batch-hard"), tripletHash(base, "batch-hard"));
  const erased = standard();
  erased.triplet.erasing = 0.5;
  assert.notEqual(tripletHash(erased, "batch-hard"), tripletHash(base, "batch-hard"));
  const mirrored = standard();
  mirrored.triplet.mirrors = true;
  assert.notEqual(tripletHash(mirrored, "batch-hard"), tripletHash(base, "batch-hard"));
  const flat = standard();
  flat.triplet.sharpness = 0.05;
  assert.notEqual(tripletHash(flat, "batch-hard"), tripletHash(base, "batch-hard"));
  const dropped = standard();
  dropped.triplet.tower = { ...dropped.triplet.tower, dropout: 0.2 };
  assert.notEqual(tripletHash(dropped, "batch-hard"), tripletHash(base, "batch-hard"));
  const fewer = standard();
  fewer.triplet.trainingAlphabets = 20;
  assert.notEqual(tripletHash(fewer, "batch-hard"), tripletHash(base, "batch-hard"));
  assert.notEqual(sameTowerHash(fewer), sameTowerHash(base), "the same-tower net's characters");
  // The triplet block's study settings the profile takes, each unset in turn: another model.
  const thin = standard();
  thin.triplet.thickStrokes = undefined;
  assert.notEqual(tripletHash(thin, "batch-hard"), tripletHash(base, "batch-hard"));
  // Unset, the hash is the one models saved before thick strokes (commit 4c52548 on) carry.
  assert.equal(tripletHash(thin, "batch-hard"), "620c26db8dc733a7");
  const t = standard();
  t.triplet.quarterTurns = undefined;
  t.triplet.thickStrokes = undefined;
  // Both unset, the hash models saved before quarter turns carry.
  assert.equal(tripletHash(t, "batch-hard"), "74743cd408806c4e");
  // Without the weight average, the Siamese hash models saved before it carry (session 26's runs).
  const unaveraged = standard();
  unaveraged.siamese.weightAverage = undefined;
  assert.equal(siameseHash(unaveraged), "1b7d8157f424b3e0");
  // Without thick strokes too, the hash of models saved before them (session 25's runs).
  const plainSiamese = standard();
  plainSiamese.siamese.weightAverage = undefined;
  plainSiamese.siamese.thickStrokes = undefined;
  assert.equal(siameseHash(plainSiamese), "66209911dda19df5");
  // The profile's hashes are those its saved models carry (pinned above).
  assert.equal(siameseHash(base), "cbbd7f15492928c5");
  assert.equal(tripletHash(base, "batch-hard"), "e311e49c60404c17");
});
