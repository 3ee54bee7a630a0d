import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { buildTower, type TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";
import { loadLayersModel, saveLayersModel } from "../../lib/training/model_io.ts";
import { tempDir } from "../helpers.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

Deno.test("a saved tower (with batch-norm statistics) loads back with the same weights and outputs", async () => {
  const spec: TowerSpec = {
    name: "tiny",
    inputSize: 8,
    convs: [{ filters: 2, kernel: 3, pool: true }],
    dense: 4,
    denseActivation: "sigmoid",
    batchNorm: true,
    init: "he",
  };
  const tower = buildTower(spec, new Rng(1));
  // Non-default batch-norm statistics, so that losing them would show.
  tower.getLayer("bn1").setWeights(
    tower.getLayer("bn1").getWeights().map((w, i) => tf.fill(w.shape, i + 0.5)),
  );
  const dir = tempDir();
  await saveLayersModel(tower, `${dir}/tower`);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/tower/model.json`));
  assert.equal(json.format, "layers-model");
  assert.deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
  const loaded = await loadLayersModel(`${dir}/tower`);
  const a = tower.getWeights().map((w) => Array.from(w.dataSync()));
  const b = loaded.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(b, a);
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 7);
  assert.deepEqual(
    Array.from((loaded.predict(x) as tf.Tensor).dataSync()),
    Array.from((tower.predict(x) as tf.Tensor).dataSync()),
  );
  await Deno.remove(dir, { recursive: true });
});
