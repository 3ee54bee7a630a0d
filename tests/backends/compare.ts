/** Helpers for running the same computation on two backends and comparing the numbers. */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, selectBackend, type SelectOptions } from "../../lib/backends/select.ts";
import { Rng } from "../../lib/rng.ts";

/** Runs `f` on `backend` and returns its results as plain arrays (tensors are disposed). */
export async function runOn(
  backend: BackendName,
  f: () => tf.Tensor | tf.Tensor[],
  options: SelectOptions = {},
): Promise<Float32Array[]> {
  await selectBackend(backend, undefined, options);
  const out = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  // data(), not dataSync(): WebGPU reads back asynchronously only (its sync path needs a canvas).
  const arrays = await Promise.all(out.map(async (t) => await t.data() as Float32Array));
  tf.dispose(out);
  return arrays;
}

/** max |actual - expected| / max |expected|: one scale for the whole tensor. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} differs from expected ${expected.length}`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/** `n` values uniform in [-1, 1), the same for a given `name`. */
export function uniformValues(n: number, name: string): Float32Array {
  const rng = new Rng(7, name);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Number of tensors the engine tracks and data blocks the active backend holds. */
export function liveCounts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
}
