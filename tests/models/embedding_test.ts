import { selectBackend } from "../../lib/backends/select.ts";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { buildEmbeddingNet, embeddingDimension, embedImages } from "../../lib/models/embedding.ts";
import type { TowerSpec } from "../../lib/models/koch.ts";
import { Rng } from "../../lib/rng.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

const TINY: TowerSpec = {
  name: "tiny",
  inputSize: 12,
  convs: [{ filters: 4, kernel: 3, pool: true }],
  dense: 99,
  denseActivation: "sigmoid",
  batchNorm: true,
  init: "he",
};

function images(
  count: number,
  seed: number,
): { pixels: Float32Array; count: number; size: number } {
  const rng = new Rng(seed);
  return { size: 12, count, pixels: Float32Array.from({ length: count * 144 }, () => rng.next()) };
}

Deno.test("the embedding net maps [n, s, s, 1] to unit vectors of the requested dimension", () => {
  const net = buildEmbeddingNet(TINY, { dimension: 8, rng: new Rng(1) });
  assert.equal(embeddingDimension(net), 8);
  const e = embedImages(net, images(5, 2), { batchSize: 2 });
  assert.equal(e.length, 40);
  for (let i = 0; i < 5; i++) {
    const norm = Math.hypot(...e.subarray(i * 8, (i + 1) * 8));
    assert.ok(Math.abs(norm - 1) < 1e-5, `row ${i} has norm ${norm}`);
  }
  assert.equal((net.getLayer("features") as tfl.layers.Layer).getConfig().activation, "linear");
});

Deno.test("batched embedding equals one pass over all images", () => {
  const net = buildEmbeddingNet(TINY, { dimension: 8, rng: new Rng(1) });
  const x = images(5, 3);
  const a = embedImages(net, x, { batchSize: 2 });
  const b = embedImages(net, x, { batchSize: 64 });
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5));
});

Deno.test("the same seed builds the same net", () => {
  const x = images(2, 4);
  const a = embedImages(buildEmbeddingNet(TINY, { dimension: 8, rng: new Rng(7) }), x);
  const b = embedImages(buildEmbeddingNet(TINY, { dimension: 8, rng: new Rng(7) }), x);
  assert.deepEqual(a, b);
});

Deno.test("the net survives a model.json round trip, L2 normalisation included", async () => {
  const net = buildEmbeddingNet(TINY, { dimension: 8, rng: new Rng(1) });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const x = images(3, 5);
  assert.deepEqual(embedImages(loaded, x), embedImages(net, x));
});

Deno.test("a bad dimension is refused with its name", () => {
  assert.throws(
    () => buildEmbeddingNet(TINY, { dimension: 0, rng: new Rng(1) }),
    /dimension must be a positive integer/,
  );
});
