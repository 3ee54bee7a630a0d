import assert from "node:assert/strict";
import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { digest } from "../../lib/data/files.ts";
import {
  loadSiamese,
  loadTriplet,
  type ModelFormat,
  reuseOrTrain,
  SIAMESE_FORMAT,
  siameseDir,
  type SiameseMeta,
  TRIPLET_FORMAT,
  tripletDir,
  type TripletTrainingRecord,
} from "../../lib/experiments/model_store.ts";
import { ModelChecksumError } from "../../lib/experiments/model_checksums.ts";
import { loadSavedModels } from "../../lib/experiments/saved_models.ts";
import type { SiameseNet } from "../../lib/models/siamese_net.ts";
import { tempDir } from "../helpers.ts";

await selectBackend("cpu");

function tinyModel(name: string, inputs = 4, units = 3): tfl.LayersModel {
  const m = tfl.sequential({ name });
  m.add(tfl.layers.dense({ inputShape: [inputs], units, name: `${name}_dense` }));
  return m;
}

const tripletRecord = { configHash: "h1", miner: "batch-hard", distance: "squared-l2", steps: 3 };
const siameseMeta = { configHash: "h2", seed: 1, history: [] };

/** reuseOrTrain of `format` in `dir` with a tiny net: whether it trained, and its log. */
async function obtain<Net, Meta extends { configHash: string }>(
  format: ModelFormat<Net, Meta>,
  dir: string,
  make: () => { net: Net; meta: Meta },
) {
  const lines: string[] = [];
  let trained = false;
  const got = await reuseOrTrain({
    format,
    dir,
    hash: make().meta.configHash,
    label: "tiny",
    log: (l) => lines.push(l),
    train: () => {
      trained = true;
      return Promise.resolve(make());
    },
  });
  format.dispose(got.net);
  return { trained, reused: got.reused, meta: got.meta, log: lines.join("\n") };
}

function flipByte(path: string) {
  const bytes = Deno.readFileSync(path);
  bytes[bytes.length - 3] ^= 0x40; // a weight; the file keeps its size
  Deno.writeFileSync(path, bytes);
}

const triplet = () => ({
  net: tinyModel("emb"),
  meta: tripletRecord as unknown as TripletTrainingRecord,
});
const siamese = () => ({
  net: { tower: tinyModel("tower"), head: tinyModel("head", 3, 1) } as unknown as SiameseNet,
  meta: siameseMeta as unknown as SiameseMeta,
});

Deno.test("a saved model records the sha256 of its files, and is reused while they match", async () => {
  const dir = tempDir();
  const first = await obtain(TRIPLET_FORMAT, dir, triplet);
  assert.equal(first.trained, true);
  const saved = JSON.parse(Deno.readTextFileSync(`${dir}/training.json`));
  assert.deepEqual(Object.keys(saved.sha256), ["model.json", "weights.bin"]);
  for (const f of ["model.json", "weights.bin"]) {
    assert.equal(saved.sha256[f], digest(Deno.readFileSync(`${dir}/${f}`)));
  }
  const again = await obtain(TRIPLET_FORMAT, dir, triplet);
  assert.equal(again.trained, false);
  assert.equal(again.reused, true);
  // The record comes back as training gave it: the checksums stay in the file (run.json's
  // details spread the record, and must not differ between a trained and a reused model).
  assert.deepEqual(again.meta, first.meta);
  assert.equal("sha256" in again.meta, false);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a same-size damaged triplet weights file is retrained with a warning naming it, never reused", async () => {
  const dir = tempDir();
  await obtain(TRIPLET_FORMAT, dir, triplet);
  flipByte(`${dir}/weights.bin`);
  await assert.rejects(() => loadTriplet(dir), ModelChecksumError);
  const again = await obtain(TRIPLET_FORMAT, dir, triplet);
  assert.equal(again.trained, true);
  assert.equal(again.reused, false);
  assert.match(
    again.log,
    new RegExp(`warning: tiny: ${dir}/weights\\.bin does not match the sha256 recorded in`),
  );
  // Retrained and saved again: its files match their new checksums, so it is reused next.
  assert.equal((await obtain(TRIPLET_FORMAT, dir, triplet)).reused, true);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a damaged file of the Siamese net (tower or head, weights or topology) is retrained with a warning", async () => {
  for (const file of ["tower/weights.bin", "head/weights.bin", "head/model.json"]) {
    const dir = tempDir();
    await obtain(SIAMESE_FORMAT, dir, siamese);
    const saved = JSON.parse(Deno.readTextFileSync(`${dir}/siamese.json`));
    assert.deepEqual(Object.keys(saved.sha256), SIAMESE_FORMAT.netFiles);
    if (file.endsWith(".json")) {
      // A changed number in the topology, same size: still valid JSON, another model.
      const text = Deno.readTextFileSync(`${dir}/${file}`);
      Deno.writeTextFileSync(`${dir}/${file}`, text.replace('"units":1', '"units":2'));
      assert.notEqual(Deno.readTextFileSync(`${dir}/${file}`), text);
    } else flipByte(`${dir}/${file}`);
    await assert.rejects(() => loadSiamese(dir), ModelChecksumError);
    const again = await obtain(SIAMESE_FORMAT, dir, siamese);
    assert.equal(again.trained, true, file);
    assert.match(again.log, new RegExp(`warning: tiny: ${dir}/${file} does not match the sha256`));
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("models saved before the checksums (none recorded) are still reused", async () => {
  for (
    const [format, make, metaFile] of [
      [TRIPLET_FORMAT, triplet, "training.json"],
      [SIAMESE_FORMAT, siamese, "siamese.json"],
    ] as const
  ) {
    const dir = tempDir();
    await obtain(format as ModelFormat<unknown, { configHash: string }>, dir, make);
    const { sha256: _, ...old } = JSON.parse(Deno.readTextFileSync(`${dir}/${metaFile}`));
    Deno.writeTextFileSync(`${dir}/${metaFile}`, JSON.stringify(old));
    const again = await obtain(format as ModelFormat<unknown, { configHash: string }>, dir, make);
    assert.equal(again.reused, true, metaFile);
    assert.equal(again.trained, false, metaFile);
    assert.doesNotMatch(again.log, /warning/);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the MNIST transfer refuses a damaged saved model, naming the file, instead of scoring it", async () => {
  const out = tempDir();
  const dir = siameseDir(out);
  await obtain(SIAMESE_FORMAT, dir, siamese);
  flipByte(`${dir}/tower/weights.bin`);
  await assert.rejects(
    () => loadSavedModels(out, [], 35),
    (err: Error) => err instanceof ModelChecksumError && err.file === `${dir}/tower/weights.bin`,
  );
  Deno.removeSync(out, { recursive: true });
});

Deno.test("a folder whose later model takes other images is refused, the models loaded before it disposed", async () => {
  const out = tempDir();
  // batch-hard's net takes 35 values, semi-hard's 4: the profile's 35 refuses the second.
  await obtain(TRIPLET_FORMAT, tripletDir(out, "batch-hard"), () => ({
    ...triplet(),
    net: tinyModel("emb35", 35),
  }));
  await obtain(TRIPLET_FORMAT, tripletDir(out, "semi-hard"), triplet);
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => loadSavedModels(out, ["batch-hard", "semi-hard"], 35),
    /takes 4x4 images but this profile uses 35x35/,
  );
  assert.equal(tf.memory().numTensors, before, "no loaded model left behind");
  Deno.removeSync(out, { recursive: true });
});
