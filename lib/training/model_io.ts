/**
 * Saving and loading tfjs-layers models in the standard tfjs format (`model.json` +
 * `weights.bin`), readable by `tf.loadLayersModel` anywhere. tfjs-layers' own `file://`
 * handler lives in tfjs-node, which Deno does not load, so this is a small IOHandler:
 * both files are written atomically (temp file + rename).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { writeFileAtomic } from "../data/files.ts";

const WEIGHTS_FILE = "weights.bin";

/** Save `model` as `${dir}/model.json` and `${dir}/weights.bin`. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    if (!(artifacts.modelTopology && artifacts.weightSpecs && artifacts.weightData)) {
      throw new Error(`saveLayersModel: model ${model.name} produced no topology or weights`);
    }
    const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    // Weights first: a model.json never names a weights file that is not there yet.
    await writeFileAtomic(`${dir}/${WEIGHTS_FILE}`, weights);
    const json: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? "layers-model",
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    };
    await writeFileAtomic(`${dir}/model.json`, JSON.stringify(json));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
}

/** Load a model saved by {@link saveLayersModel} (or any tfjs layers model folder with one weights file). */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`)) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) {
        buffers.push((await Deno.readFile(`${dir}/${path}`)).slice().buffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
