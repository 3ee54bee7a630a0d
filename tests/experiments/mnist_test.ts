import { experimentContext } from "../../lib/experiments/experiment_context.ts";
import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/profiles.ts";
import { type ImageSet, meanInk } from "../../lib/data/images.ts";
import { loadMnist } from "../../lib/data/mnist.ts";
import { MNIST_VAL_TRIALS } from "../../lib/episodes/one_shot.ts";
import { DataSource } from "../../lib/experiments/data_source.ts";
import { run } from "../../lib/experiments/mnist.ts";
import { NO_OMNIGLOT, tempDir } from "../helpers.ts";

Deno.test({
  name:
    "ink-matched mnist-400 has the plain trials, pixels times the factor that gives Omniglot's ink",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    // Measured at 35x35: Omniglot's background 94-95 units of ink per image as released, 149
    // cut to ink boxes (the profile's images), MNIST's test set 160.
    for (const [inkBox, low, high] of [[undefined, 0.5, 0.7], [0.8, 0.85, 1]] as const) {
      const config = resolveConfig("quick");
      config.evaluation.inkBox = inkBox;
      const data = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
      const plain = await data.mnistTask();
      const { task, factor } = await data.mnistInkMatchedTask();
      assert.deepEqual(task.trials, plain.trials);
      const target = meanInk((await data.omniglot()).background.images);
      const mnistInk = meanInk((await data.mnist()).images);
      assert.ok(Math.abs(factor * mnistInk - target) < 1e-6 * target);
      assert.ok(factor > low && factor < high, `ink box ${inkBox}: factor ${factor}`);
      for (const i of [0, 1000, plain.bank.pixels.length - 1]) {
        assert.ok(Math.abs(task.bank.pixels[i] - factor * plain.bank.pixels[i]) < 1e-6);
      }
    }
  },
});

Deno.test({
  name: "mnist-val draws its 2,000 trials from MNIST's training set, never the test set",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const data = new DataSource({ evaluation: config.evaluation, seed: 1, quiet: true });
    const val = await data.mnistVal();
    assert.equal(val.protocol, "mnist-val");
    assert.equal(val.trials.length, MNIST_VAL_TRIALS);
    const n = val.bank.size * val.bank.size;
    const found = (images: ImageSet, i: number) => {
      const target = val.bank.pixels.subarray(i * n, (i + 1) * n);
      for (let j = 0; j < images.count; j++) {
        const image = images.pixels.subarray(j * n, (j + 1) * n);
        if (image.every((v, k) => v === target[k])) return true;
      }
      return false;
    };
    const train = await loadMnist({ split: "train", size: config.evaluation.imageSize });
    const test = (await data.mnist()).images;
    for (const i of [0, 1, 500]) {
      assert.ok(found(train.images, i), `bank image ${i} is a training image`);
      assert.ok(!found(test, i), `bank image ${i} is not a test image`);
    }
  },
});

Deno.test({
  name: "the mnist experiment without saved models says which experiments to run first",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const config = resolveConfig("quick");
    const outDir = tempDir("mnist-test-");
    await assert.rejects(
      run(experimentContext(config, "mnist", { outDir, quiet: true })),
      /no Omniglot-trained model .*--only siamese,triplet,mnist/,
    );
    Deno.removeSync(outDir, { recursive: true });
  },
});
