import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { resolveConfig } from "../../lib/profiles.ts";
import { PROFILES } from "../../lib/profile_names.ts";
import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import { run as runSiamese } from "../../lib/experiments/siamese.ts";
import { run as runTriplet } from "../../lib/experiments/triplet.ts";
import { applyOverrides, describeOverrides, parseOverride } from "../../lib/tuning/overrides.ts";
import { towerFlatSize, towerShapes } from "../../lib/models/koch.ts";
import { readStudies, recordStudy, type StudyRow, studyRow } from "../../lib/tuning/study_log.ts";
import { validationStudy } from "../../lib/tuning/validation_study.ts";
import { applySlice } from "../../lib/training/run_slice.ts";
import { main, parseTuneArgs } from "../../scripts/tune.ts";
import { NO_OMNIGLOT, runTask, tempDir } from "../helpers.ts";

await selectBackend("wasm");

Deno.test("--set parses numbers, switches and words against the profile's settings", () => {
  const config = resolveConfig("standard");
  const parsed: [text: string, path: string, value: number | boolean | string][] = [
    ["siamese.batchPerAlphabet=4", "siamese.batchPerAlphabet", 4],
    ["triplet.margin = 0.3", "triplet.margin", 0.3],
    ["siamese.distortions=false", "siamese.distortions", false],
    ["triplet.loss=soft-margin", "triplet.loss", "soft-margin"],
    ["triplet.loss=softmax", "triplet.loss", "softmax"],
    ["triplet.softmaxScale=8", "triplet.softmaxScale", 8],
    ["siamese.tower.dense=256", "siamese.tower.dense", 256],
    // Unset in the profile, but a setting all the same.
    ["triplet.tower.batchNorm=true", "triplet.tower.batchNorm", true],
    ["siamese.tower=triplet-35", "siamese.tower", "triplet-35"],
    ["triplet.quarterTurns=4", "triplet.quarterTurns", 4],
    ["triplet.thickStrokes=0.5", "triplet.thickStrokes", 0.5],
    ["triplet.elastic=6", "triplet.elastic", 6],
    ["triplet.erasing=0.5", "triplet.erasing", 0.5],
    ["triplet.doppelgangers=5", "triplet.doppelgangers", 5],
    ["triplet.mirrors=true", "triplet.mirrors", true],
    ["siamese.weightAverage=0.999", "siamese.weightAverage", 0.999],
    ["triplet.sharpness=0.05", "triplet.sharpness", 0.05],
    ["siamese.sharpness=0.1", "siamese.sharpness", 0.1],
    ["triplet.tower.dropout=0.2", "triplet.tower.dropout", 0.2],
    ["triplet.trainingAlphabets=20", "triplet.trainingAlphabets", 20],
    ["siamese.trainingAlphabets=30", "siamese.trainingAlphabets", 30],
    ["siamese.pairMining=hardest", "siamese.pairMining", "hardest"],
    ["siamese.normalizedFeatures=true", "siamese.normalizedFeatures", true],
    ["siamese.head=cosine", "siamese.head", "cosine"],
    ["siamese.tripletWeight=1", "siamese.tripletWeight", 1],
  ];
  for (const [text, path, value] of parsed) {
    assert.deepEqual(parseOverride(text, config), { path, value }, text);
  }
});

Deno.test("--set refuses what is not a setting or not of its type, naming the --set", () => {
  const config = resolveConfig("standard");
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(() => parseOverride(text, config), (err: Error) => {
      assert.ok(err instanceof UsageError);
      assert.match(
        err.message,
        new RegExp(`--set "${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`),
      );
      assert.match(err.message, pattern);
      return true;
    });
  refused("siamese.batchPerAlphbet=4", /not a setting/);
  refused("siamese.learningRate=fast", /takes a number/);
  refused("siamese.distortions=yes", /true or false/);
  refused("siamese.optimizer=rmsprop", /adam, sgd/);
  refused("siamese.tower=resnet", /unknown tower/);
  refused("siamese.tower.convs=3", /list or a block/);
  refused("triplet.miners=random", /list or a block/);
  refused("evaluation.nWays=3", /start with siamese or triplet/);
  refused("evaluation.imageSize=120", /whole number of pixels from 8 to 105/);
  refused("evaluation.imageSize=52.5", /whole number of pixels/);
  refused("evaluation.imageSize=big", /whole number of pixels/);
  refused("triplet.normalizedFeatures=true", /not a setting/);
  refused("siamese.pairMining=easiest", /all, hardest/);
  refused("siamese.head=dot", /weighted-l1, cosine/);
  refused("triplet.head=cosine", /not a setting/);
  refused("siamese.quarterTurns=5", /whole number from 1 \(no turns\) to 4/);
  refused("triplet.quarterTurns=2.5", /whole number from 1/);
  refused("siamese.thickStrokes=1.5", /probability from 0 to 1/);
  refused("triplet.thickStrokes=-1", /probability from 0 to 1/);
  refused("siamese.erasing=2", /probability from 0 to 1/);
  refused("triplet.doppelgangers=0", /whole number from 1 to 100/);
  refused("siamese.doppelgangers=5", /not a setting/);
  refused("siamese.elastic=0", /displacement above 0 up to 20/);
  refused("triplet.elastic=25", /displacement above 0 up to 20/);
  refused("triplet.mirrors=1", /true or false/);
  refused("triplet.weightAverage=1", /decay from 0 up to \(not including\) 1/);
  refused("siamese.weightAverage=-0.5", /decay from 0 up to/);
  refused("triplet.sharpness=0", /distance above 0/);
  refused("siamese.sharpness=-1", /distance above 0/);
  refused("triplet.tower.dropout=1", /share above 0 and below 1/);
  refused("siamese.tower.dropout=0", /share above 0 and below 1/);
  refused("triplet.trainingAlphabets=0", /background alphabets from 1 to 30/);
  refused("siamese.trainingAlphabets=31", /background alphabets from 1 to 30/);
  refused("triplet.trainingAlphabets=20.5", /background alphabets from 1 to 30/);
  refused("siamese.steps", /setting and a value/);
  refused("siamese.steps=", /setting and a value/);
  // Numbers outside what training can use: refused here, before any data loads.
  refused("triplet.steps=0", /whole number from 1 up, got 0/);
  refused("siamese.batchCharacters=12.5", /whole number from 1 up/);
  refused("triplet.batchDrawings=1", /whole number from 2 up/);
  refused("siamese.learningRate=-0.001", /number above 0/);
  refused("triplet.maxSeconds=0", /number above 0/);
  refused("triplet.classWeight=-1", /number from 0 up, got -1/);
  refused("triplet.classScale=0", /number above 0/);
  refused("triplet.softmaxScale=-5", /number above 0/);
  refused("triplet.margin=-0.2", /number from 0 up/);
  refused("siamese.lrDecay=1.5", /factor above 0 up to 1/);
  refused("siamese.momentum=1", /from 0 up to \(not including\) 1/);
  refused("triplet.tower.dense=0", /whole number from 1 up/);
  refused("siamese.tower.inputSize=52", /set evaluation.imageSize instead/);
  refused("siamese.tripletWeight=-1", /number from 0 up, got -1/);
});

Deno.test("every number setting of every profile has a range: its own value passes, -1 is refused", () => {
  const numbers = (value: unknown, path: string): string[] =>
    typeof value === "number"
      ? [path]
      : typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.entries(value).flatMap(([k, v]) => k === "table1" ? [] : numbers(v, `${path}.${k}`))
      : [];
  for (const profile of PROFILES) {
    const config = resolveConfig(profile);
    const paths = [...numbers(config.siamese, "siamese"), ...numbers(config.triplet, "triplet")];
    assert.ok(paths.includes("triplet.steps") && paths.includes("siamese.tower.dense"));
    for (const path of paths) {
      const own = path.split(".").reduce(
        (at: unknown, k) => (at as Record<string, unknown>)[k],
        config,
      );
      if (!path.endsWith(".inputSize")) {
        assert.deepEqual(parseOverride(`${path}=${own}`, config), { path, value: own }, path);
      }
      assert.throws(() => parseOverride(`${path}=-1`, config), UsageError, `${profile} ${path}`);
    }
  }
});

Deno.test("overrides change a copy; a tower by name is sized to the images and keeps its block's activation", () => {
  const config = resolveConfig("standard");
  const sets = [
    "siamese.batchPerAlphabet=8",
    "siamese.tower=triplet-35",
    "triplet.tower.dense=64",
  ].map((s) => parseOverride(s, config));
  const changed = applyOverrides(config, sets);
  assert.equal(changed.siamese.batchPerAlphabet, 8);
  assert.equal(config.siamese.batchPerAlphabet, 2, "the profile's config is untouched");
  assert.equal(changed.siamese.tower.name, "triplet-35");
  assert.equal(changed.siamese.tower.denseActivation, "sigmoid");
  assert.equal(changed.siamese.tower.inputSize, 35);
  assert.equal(changed.triplet.tower.dense, 64);
  assert.equal(config.triplet.tower.dense, 128);
  assert.equal(
    describeOverrides(sets),
    "siamese.batchPerAlphabet=8; siamese.tower=triplet-35; triplet.tower.dense=64",
  );
  assert.equal(describeOverrides([]), "(profile defaults)");
});

Deno.test("the study towers by name scale every convolution's filters and keep the rest", () => {
  const config = resolveConfig("standard");
  const filters = (name: string) => {
    const tower = applyOverrides(config, [parseOverride(`triplet.tower=${name}`, config)])
      .triplet.tower;
    assert.equal(tower.name, name);
    assert.equal(tower.dense, config.triplet.tower.dense, name);
    assert.deepEqual(
      tower.convs.map((c) => c.kernel),
      config.triplet.tower.convs.map((c) => c.kernel),
    );
    return tower.convs.map((c) => c.filters);
  };
  assert.deepEqual(filters("triplet-35"), [32, 64, 64, 128]);
  assert.deepEqual(filters("triplet-wide"), [64, 128, 128, 256]);
  assert.deepEqual(filters("triplet-narrow"), [16, 32, 32, 64]);
});

Deno.test("the deep study tower adds two convolutions and ends on a 2x2 map, sized to the images", () => {
  const config = resolveConfig("standard");
  const tower = applyOverrides(config, [parseOverride("triplet.tower=triplet-deep", config)])
    .triplet.tower;
  assert.deepEqual(tower.convs.map((c) => c.filters), [32, 64, 64, 128, 128]);
  assert.equal(tower.inputSize, 35);
  assert.equal(tower.denseActivation, "linear");
  assert.deepEqual(towerShapes(tower).map((s) => s.out), [16, 14, 6, 4, 2]);
  assert.equal(towerFlatSize(tower), 2 * 2 * 128);
});

Deno.test("evaluation.imageSize resizes the images and both towers, before or after a tower by name", () => {
  const config = resolveConfig("standard");
  const parse = (texts: string[]) => texts.map((s) => parseOverride(s, config));
  assert.deepEqual(parse(["evaluation.imageSize=52"]), [{
    path: "evaluation.imageSize",
    value: 52,
  }]);
  for (
    const order of [
      ["evaluation.imageSize=52", "siamese.tower=triplet-35"],
      ["siamese.tower=triplet-35", "evaluation.imageSize=52"],
    ]
  ) {
    const changed = applyOverrides(config, parse(order));
    assert.equal(changed.evaluation.imageSize, 52, order.join(", "));
    assert.equal(changed.siamese.tower.inputSize, 52, order.join(", "));
    assert.equal(changed.siamese.tower.name, "triplet-35");
    assert.equal(changed.triplet.tower.inputSize, 52, order.join(", "));
  }
  assert.equal(config.evaluation.imageSize, 35, "the profile's config is untouched");
  assert.equal(config.siamese.tower.inputSize, 35);
});

Deno.test("evaluation.inkBox cuts Omniglot to its ink boxes; a share outside (0, 1] is refused", () => {
  const config = resolveConfig("standard");
  const set = parseOverride("evaluation.inkBox=0.9", config);
  assert.deepEqual(set, { path: "evaluation.inkBox", value: 0.9 });
  const changed = applyOverrides(config, [set]);
  assert.equal(changed.evaluation.inkBox, 0.9);
  assert.equal(changed.evaluation.imageSize, 35);
  assert.equal(config.evaluation.inkBox, 0.8, "the profile's config is untouched");
  for (const bad of ["0", "1.5", "-0.5", "wide"]) {
    assert.throws(
      () => parseOverride(`evaluation.inkBox=${bad}`, config),
      /evaluation.inkBox takes the box's share of the window, above 0 up to 1/,
      bad,
    );
  }
});

Deno.test("evaluation.deskew shears Omniglot back by its slant; a share outside (0, 1] is refused", () => {
  const config = resolveConfig("standard");
  const set = parseOverride("evaluation.deskew=0.5", config);
  assert.deepEqual(set, { path: "evaluation.deskew", value: 0.5 });
  const changed = applyOverrides(config, [set]);
  assert.equal(changed.evaluation.deskew, 0.5);
  assert.equal(changed.evaluation.inkBox, 0.8, "the ink box stays");
  assert.equal(config.evaluation.deskew, undefined, "the profile's config is untouched");
  for (const bad of ["0", "1.5", "-0.5", "full"]) {
    assert.throws(
      () => parseOverride(`evaluation.deskew=${bad}`, config),
      /evaluation.deskew takes the share of the slant removed, above 0 up to 1/,
      bad,
    );
  }
  assert.equal(setRefusal("siamese", "evaluation.deskew=1"), null);
});

Deno.test("lrSchedule=cosine is a word either block takes; any other word is refused", () => {
  const config = resolveConfig("standard");
  const set = parseOverride("triplet.lrSchedule=cosine", config);
  assert.deepEqual(set, { path: "triplet.lrSchedule", value: "cosine" });
  const changed = applyOverrides(config, [set, parseOverride("siamese.lrSchedule=cosine", config)]);
  assert.equal(changed.triplet.lrSchedule, "cosine");
  assert.equal(changed.siamese.lrSchedule, "cosine");
  assert.equal(config.triplet.lrSchedule, undefined, "the profile's config is untouched");
  assert.throws(
    () => parseOverride("triplet.lrSchedule=linear", config),
    /triplet.lrSchedule takes one of cosine, got "linear"/,
  );
});

Deno.test("triplet.l2, which the profile leaves unset, takes a weight from 0 up", () => {
  const config = resolveConfig("standard");
  assert.equal(config.triplet.l2, undefined);
  const set = parseOverride("triplet.l2=0.0001", config);
  assert.deepEqual(set, { path: "triplet.l2", value: 0.0001 });
  assert.equal(applyOverrides(config, [set]).triplet.l2, 0.0001);
  assert.throws(
    () => parseOverride("triplet.l2=-1", config),
    /triplet.l2 takes a number from 0 up, got -1/,
  );
});

Deno.test("tune's flags: --model is required and checked, every --set is checked before any work", () => {
  assert.throws(() => parseTuneArgs([]), /--model is required/);
  assert.throws(() => parseTuneArgs(["--model", "siames"]), /unknown model "siames"/);
  assert.throws(
    () => parseTuneArgs(["--model", "siamese", "--set", "siamese.nope=1"]),
    /siamese.nope is not a setting of the standard profile/,
  );
  // The seeds reproduce accepts, so that a study can train any run's models (0 included).
  assert.equal(parseTuneArgs(["--model", "siamese", "--seed", "0"]).seed, 0);
  for (const bad of ["1e3", "", "1.5", "9007199254740993"]) {
    assert.throws(
      () => parseTuneArgs(["--model", "siamese", "--seed", bad]),
      new RegExp(`--seed must be a whole number from 0 to 9007199254740991, got "${bad}"`),
    );
  }
  const args = parseTuneArgs([
    "--model",
    "batch-hard",
    "--set",
    "triplet.margin=0.3",
    "--set",
    "triplet.steps=100",
    "--profile",
    "quick",
  ]);
  assert.equal(args.model, "batch-hard");
  assert.deepEqual(args.sets, ["triplet.margin=0.3", "triplet.steps=100"]);
  // The config the study trains: the named profile at the seed, every --set applied once, here.
  assert.equal(args.config.profile, "quick");
  assert.deepEqual([args.config.triplet.margin, args.config.triplet.steps], [0.3, 100]);
  assert.equal(args.config.siamese.steps, resolveConfig("quick").siamese.steps);
  assert.equal(parseTuneArgs(["--model", "siamese", "--seed", "7"]).config.seed, 7);
  // A triplet term needs unit features: the paper's head has none, the same-tower net's has.
  assert.throws(
    () => parseTuneArgs(["--model", "siamese", "--set", "siamese.tripletWeight=1"]),
    (err: Error) =>
      err instanceof UsageError &&
      /tripletWeight needs unit features: set head=cosine .*\(--model siamese\)/.test(err.message),
  );
  const cosine = ["--set", "siamese.tripletWeight=1", "--set", "siamese.head=cosine"];
  assert.equal(parseTuneArgs(["--model", "siamese", ...cosine]).overrides.length, 2);
  assert.equal(
    parseTuneArgs(["--model", "same-tower", "--set", "siamese.tripletWeight=1"]).overrides[0].value,
    1,
  ); // Doppelgangers draw quarter turns only, in pairs from P / 2 alphabets: refused at parsing.
  assert.match(
    setRefusal("batch-hard", "triplet.doppelgangers=5", "triplet.mirrors=true")!,
    /doppelgangers cannot be combined with mirrors.*\(--model batch-hard\)/,
  );
  for (const [P, per] of [[64, 4], [33, 3]]) {
    assert.match(
      setRefusal(
        "batch-hard",
        "triplet.doppelgangers=5",
        `triplet.batchCharacters=${P}`,
        `triplet.batchPerAlphabet=${per}`,
      )!,
      new RegExp(`even batchCharacters of at most 60 .* got ${P} \\(--model batch-hard\\)`),
    );
  }
  assert.equal(setRefusal("batch-hard", "triplet.doppelgangers=5"), null);
  // The same-tower net draws the Siamese trainer's batches: no doppelgangers, but the erasing.
  assert.match(setRefusal("same-tower", "triplet.doppelgangers=5")!, /changes nothing/);
  assert.equal(setRefusal("same-tower", "triplet.erasing=0.5"), null);
  // A chunked step recomputes each chunk's forward pass: new dropout masks under the tape.
  assert.match(
    setRefusal("batch-hard", "triplet.tower.dropout=0.2", "triplet.chunkImages=32")!,
    /dropout cannot be combined with chunkImages.*\(--model batch-hard\)/,
  );
  assert.match(
    setRefusal("same-tower", "triplet.tower.dropout=0.2", "siamese.chunkImages=32")!,
    /dropout cannot be combined with chunkImages.*\(--model same-tower\)/,
  );
  assert.equal(setRefusal("batch-hard", "triplet.tower.dropout=0.2"), null);
  assert.equal(setRefusal("same-tower", "triplet.tower.dropout=0.2"), null);
});

/** The message tune's parsing refuses `--model model --set ...` with, or null if it accepts it. */
function setRefusal(model: string, ...sets: string[]): string | null {
  try {
    parseTuneArgs(["--model", model, ...sets.flatMap((s) => ["--set", s])]);
    return null;
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
}

Deno.test("tune refuses a batch the background alphabets cannot make, for the block the model trains", () => {
  const refusal = (model: string, ...sets: string[]) => {
    const message = setRefusal(model, ...sets);
    if (message !== null) assert.match(message, new RegExp(`\\(--model ${model}\\)$`));
    return message;
  };
  // 64 characters, 2 from each alphabet: 32 alphabets of the 30 (it threw at the first step).
  assert.match(
    refusal("batch-hard", "triplet.batchCharacters=64")!,
    /64 characters a batch, 2 from each alphabet, need 32 alphabets .* has 30: .* at most 60/,
  );
  assert.equal(refusal("batch-hard", "triplet.batchCharacters=60"), null);
  assert.equal(
    refusal("batch-hard", "triplet.batchCharacters=64", "triplet.batchPerAlphabet=4"),
    null,
  );
  assert.match(
    refusal("semi-hard", "triplet.batchPerAlphabet=3")!,
    /must divide batchCharacters \(32\)/,
  );
  assert.match(
    refusal("siamese", "siamese.batchCharacters=30", "siamese.batchPerAlphabet=15")!,
    /batchPerAlphabet \(15\) is more than the 14 characters/,
  );
  assert.match(refusal("siamese", "siamese.batchDrawings=21")!, /more than the 20 drawers/);
  // The same-tower net takes the triplet block's batch, as the miners do.
  assert.match(refusal("same-tower", "triplet.batchCharacters=62")!, /need 31 alphabets/);
  // Fewer training alphabets than a batch draws from (32 characters, 2 from each: 16).
  assert.match(
    refusal("batch-hard", "triplet.trainingAlphabets=15")!,
    /need 16 alphabets and the training set has 15/,
  );
  assert.equal(refusal("batch-hard", "triplet.trainingAlphabets=16"), null);
  assert.match(
    refusal("same-tower", "triplet.trainingAlphabets=10")!,
    /need 16 alphabets and the training set has 10/,
  );
});

Deno.test("tune refuses a --set the model does not read, naming the setting that it does", () => {
  // The same-tower net takes its batch from the triplet block since commit 8637af6: the way its
  // twice-the-batch studies were run would now train the profile's own net.
  assert.match(
    setRefusal("same-tower", "siamese.batchCharacters=32")!,
    /--set "siamese.batchCharacters=32" changes nothing the same-tower model trains with .*; it reads triplet.batchCharacters, 32 already$/,
  );
  assert.match(
    setRefusal("same-tower", "siamese.batchCharacters=48")!,
    /; set triplet.batchCharacters instead$/,
  );
  assert.equal(setRefusal("same-tower", "triplet.batchCharacters=32"), null);
  assert.match(
    setRefusal("batch-hard", "siamese.learningRate=0.001")!,
    /the triplet miners train on the triplet block\); set triplet.learningRate instead$/,
  );
  // No such setting in the other block: nothing to suggest.
  assert.match(setRefusal("siamese", "triplet.margin=0.3")!, /trains on the siamese block\)$/);
  assert.match(setRefusal("same-tower", "triplet.margin=0.3")!, /same-tower model/);
  // What each model reads passes: its own block, the parts of the other the same-tower net
  // takes, the images.
  for (
    const [model, set] of [
      ["siamese", "siamese.focus=1"],
      ["same-tower", "siamese.focus=1"],
      ["same-tower", "triplet.steps=100"],
      ["same-tower", "triplet.tower=triplet-wide"],
      ["semi-hard", "triplet.margin=0.3"],
      ["batch-hard", "evaluation.inkBox=0.9"],
      ["siamese", "evaluation.imageSize=52"],
    ]
  ) assert.equal(setRefusal(model, set), null, `${model} ${set}`);
  // The profile's own value changes nothing at all: a no-op, not a mistake.
  assert.equal(setRefusal("batch-hard", "triplet.margin=0.2"), null);
  const rate = resolveConfig("standard").siamese.learningRate;
  assert.equal(setRefusal("batch-hard", `siamese.learningRate=${rate}`), null);
});

Deno.test("deno task tune exits 2 on a bad --set or --out before loading any data", async () => {
  const out = tempDir();
  const bad = await runTask("tune", [
    "--model",
    "siamese",
    "--set",
    "siamese.rate=1",
    "--out",
    out,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--set "siamese.rate=1": siamese.rate is not a setting/);
  const outside = await runTask("tune", ["--model", "siamese", "--out", "/etc/tune"]);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /--out \/etc\/tune/);
  const wide = await runTask("tune", [
    "--model",
    "batch-hard",
    "--set",
    "triplet.batchCharacters=64",
    "--out",
    out,
  ]);
  assert.equal(wide.code, 2);
  assert.match(
    wide.stderr,
    /--set: 64 characters a batch, 2 from each alphabet, need 32 alphabets/,
  );
  assert.deepEqual([...Deno.readDirSync(out)], [], "nothing written");
});

Deno.test("the study log keeps every row and lists each model's best koch-val first", async () => {
  const dir = tempDir();
  const result = (kochVal: number) => ({
    model: "siamese" as const,
    steps: 100,
    stepBound: 100,
    stoppedBy: "steps",
    bestStep: 100,
    bestValidation: 50,
    kochVal,
    ciLow: kochVal - 2,
    ciHigh: kochVal + 2,
    trials: 2000,
    kochValViews: kochVal + 1,
    mnistVal: kochVal - 10,
    trainSeconds: 12.34,
  });
  const run = (settings: string) => ({
    finished: "2026-12-02T00:00:00.000Z",
    commit: "abc1234",
    profile: "standard",
    seed: 1,
    settings,
  });
  await recordStudy(dir, studyRow(result(61.234), run("siamese.batchPerAlphabet=2")));
  const rows: StudyRow[] = await recordStudy(
    dir,
    studyRow(result(70.5), run("siamese.batchPerAlphabet=4; siamese.focus=0")),
  );
  assert.equal(rows.length, 2);
  const read = await readStudies(`${dir}/tune.csv`);
  assert.deepEqual(read, rows);
  assert.equal(read[0].koch_val, 61.23);
  const md = Deno.readTextFileSync(`${dir}/tune.md`);
  const best = md.indexOf("siamese.batchPerAlphabet=4; siamese.focus=0");
  const worse = md.indexOf("| siamese.batchPerAlphabet=2");
  assert.ok(best > 0 && worse > best, "best first");
  assert.match(md, /\| 70\.50 \| \[68\.5, 72\.5\] \| 71\.50 \| 60\.50 \| 12 s \|/);
  // A row logged before mnist-val existed reads back with none, shown blank.
  const csv = Deno.readTextFileSync(`${dir}/tune.csv`).split("\n");
  Deno.writeTextFileSync(
    `${dir}/tune.csv`,
    csv.map((line) => line.replace(/,[^,]*$/, "")).join("\n"),
  );
  assert.ok(Number.isNaN((await readStudies(`${dir}/tune.csv`))[0].mnist_val));
  await recordStudy(dir, studyRow(result(50), run("siamese.focus=1")));
  assert.match(
    Deno.readTextFileSync(`${dir}/tune.md`),
    /\| 61\.23 \| \[59\.2, 63\.2\] \| 62\.23 \| {2}\| 12 s \|/,
  );
});

Deno.test({
  name:
    "a study with the profile's settings trains the model reproduce trains and scores its koch-val row",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    applySlice(config, { maxSteps: 6 }, "wasm");
    config.triplet.miners = ["batch-hard"];
    for (const model of ["siamese", "batch-hard"] as const) {
      const study = await validationStudy({ config, model, quiet: true });
      const context = experimentContext(config, model === "siamese" ? "siamese" : "triplet", {
        backend: tf.getBackend(),
        outDir: tempDir(),
        quiet: true,
      });
      const result = model === "siamese" ? await runSiamese(context) : await runTriplet(context);
      const row = result.oneShot.find((r) => r.protocol === "koch-val")!;
      assert.equal(study.trials, 2000);
      assert.equal(study.steps, 6);
      assert.equal(study.kochVal.toFixed(2), row.accuracy.toFixed(2), model);
      assert.equal(study.ciLow.toFixed(2), row.ci_low.toFixed(2), model);
      // mnist-val: 2,000 trials, so a multiple of 0.05 points.
      assert.ok(study.mnistVal >= 0 && study.mnistVal <= 100, model);
      assert.ok(Math.abs(study.mnistVal * 20 - Math.round(study.mnistVal * 20)) < 1e-6, model);
    }
  },
});

Deno.test({
  name: "a study's setting changes what trains: another batch mix gives another model",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    applySlice(config, { maxSteps: 6 }, "wasm");
    const plain = await validationStudy({ config, model: "siamese", quiet: true });
    const changed = await validationStudy({
      config: applyOverrides(config, [parseOverride("siamese.batchPerAlphabet=8", config)]),
      model: "siamese",
      quiet: true,
    });
    assert.equal(changed.steps, 6);
    assert.notEqual(changed.bestValidation + changed.kochVal, plain.bestValidation + plain.kochVal);
  },
});

Deno.test("a study's row names the commit read before training, not one checked out during it", async () => {
  const out = tempDir();
  let head = "aaaaaaaaaaaa";
  const code = await main([
    "--model",
    "siamese",
    "--profile",
    "quick",
    "--backend",
    "cpu",
    "--out",
    out,
  ], {
    commit: () => Promise.resolve(head),
    // The checkout moves while the model trains (a pull during a 20-minute study).
    study: (options) => {
      head = "bbbbbbbbbbbb";
      return Promise.resolve({
        model: options.model,
        steps: 10,
        stepBound: 10,
        stoppedBy: "steps",
        bestStep: 10,
        bestValidation: 50,
        kochVal: 60,
        ciLow: 58,
        ciHigh: 62,
        trials: 2000,
        kochValViews: 61,
        mnistVal: 40,
        trainSeconds: 1,
      });
    },
  });
  assert.equal(code, 0);
  const rows = await readStudies(`${out}/tune.csv`);
  // Read after training (before 6af50b5) this said bbbbbbbbbbbb.
  assert.deepEqual(rows.map((r) => [r.commit, r.koch_val]), [["aaaaaaaaaaaa", 60]]);
});
