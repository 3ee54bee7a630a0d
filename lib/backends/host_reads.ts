/**
 * Training on a backend that cannot read a tensor synchronously, with everything else on one
 * that can.
 *
 * tfjs's webgpu backend reads a tensor synchronously (`dataSync`) by drawing it through a 2D
 * canvas; Deno has no 2D canvas, so there every such read throws (tfjs's own error is
 * "Cannot read properties of null (reading 'clearRect')"; seen on an H200 through Vulkan and on
 * llvmpipe). Evaluation, weight snapshots and checkpoints read synchronously throughout, so
 * on webgpu only the training steps run on the GPU: `train` (loop.ts) makes the GPU backend
 * active for its steps ({@link useTrainingBackend}) and runs validation and checkpoints on the
 * host backend ({@link onHost}): the tensors they read are first fetched asynchronously, which
 * leaves their values cached on the host, then the host backend (the wasm backend, else cpu)
 * takes over, and tfjs moves the tensors to it from those cached values. After training the
 * host backend stays active for evaluation and saving.
 *
 * On every other backend (wasm, cpu, tfjs-node) these are no-ops.
 */
import * as tf from "@tensorflow/tfjs-core";

/** tfjs names of backends whose synchronous reads fail in Deno. */
const NO_SYNC_READS = new Set(["webgpu"]);

/** The GPU backend that trains when one without synchronous reads was selected. */
let training: string | undefined;
/** The host backend's tfjs name, once started. */
let host: string | undefined;
/** Starts the host backend; set by select.ts, which owns how backends start. */
let startHost: (() => Promise<string>) | undefined;

/** True when `backend` (default: the active one) reads tensors synchronously. */
export function readsSynchronously(backend: string = tf.getBackend()): boolean {
  return !NO_SYNC_READS.has(backend);
}

/**
 * Called by `selectBackend` once `backend` is active: remembers a backend that cannot read
 * synchronously as the training backend, with `start` to bring up the host backend when
 * first needed; any other backend clears both.
 */
export function noteSelectedBackend(backend: string, start: () => Promise<string>): void {
  if (readsSynchronously(backend)) {
    training = undefined;
    startHost = undefined;
    return;
  }
  training = backend;
  startHost = start;
  guardSyncReads(backend);
}

/** True when training runs on a backend that cannot read synchronously (reads go ahead of steps). */
export function trainsWithoutSyncReads(): boolean {
  return training !== undefined;
}

/** Makes the training backend active (a no-op unless one without synchronous reads was selected). */
export async function useTrainingBackend(): Promise<void> {
  // Only from the host: a backend set some other way since is left alone.
  if (training !== undefined && host !== undefined && tf.getBackend() === host) {
    await activate(training);
  }
}

/**
 * Runs `body` where synchronous reads work. When a backend without them trains, those of
 * `tensors` (what `body` reads: weights, optimizer slots) still on it are fetched
 * asynchronously first and `body` runs on the host backend, which stays active afterwards:
 * call {@link useTrainingBackend} to train again. Elsewhere `body` just runs.
 */
export async function onHost<T>(
  tensors: readonly tf.Tensor[],
  body: () => T | Promise<T>,
): Promise<T> {
  if (training !== undefined) {
    // Also when the host is active already: the tensors may still be on the GPU.
    await Promise.all(tensors.filter((t) => onBackend(t, training!)).map((t) => t.data()));
    if (host === undefined) {
      if (startHost === undefined) {
        throw new Error(
          `backend ${tf.getBackend()} cannot read tensors synchronously and no host backend is set`,
        );
      }
      const gpu = tf.getBackend();
      host = await startHost();
      // Starting the host may leave it active or not; make it so either way.
      if (tf.getBackend() === gpu) await activate(host);
    } else if (tf.getBackend() !== host) {
      await activate(host);
    }
  }
  return await body();
}

/** True when `t`'s data lives on the backend named `name` (tfjs moves data on first use). */
function onBackend(t: tf.Tensor, name: string): boolean {
  if (t.isDisposed) return false;
  const info = (tf.engine() as unknown as {
    state: { tensorInfo: { get(dataId: object): { backend: unknown } | undefined } };
  }).state.tensorInfo.get(t.dataId);
  return info?.backend === tf.findBackend(name);
}

/**
 * Makes the host backend active where a backend without synchronous reads was selected (else
 * nothing): for the entry points, through `selectRunBackend` (select.ts), so that whatever evaluates before
 * or without training (saved models reused, the evaluation-only tasks) reads where it can;
 * `train` switches to the GPU for its steps. Returns the host backend's name when it parked.
 */
export async function parkOnHost(): Promise<string | undefined> {
  await onHost([], () => {});
  return host !== undefined && training !== undefined ? host : undefined;
}

/** A synchronous read of a GPU tensor whose values are not on the host. */
export class SyncReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SyncReadError";
  }
}

/**
 * Replaces the backend's failing synchronous read of GPU-only data with a {@link SyncReadError}
 * that says what happened; reads of values already on the host go through.
 */
function guardSyncReads(name: string): void {
  const backend = tf.findBackend(name) as unknown as {
    readSync: (dataId: object) => unknown;
    tensorMap?: { get(dataId: object): { values?: unknown } | undefined };
    guarded?: boolean;
  } | null;
  if (backend == null || backend.guarded) return;
  const original = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    if (backend.tensorMap?.get(dataId)?.values == null) {
      throw new SyncReadError(
        `the ${name} backend cannot read a tensor synchronously in Deno (no 2D canvas), ` +
          "and this code reads one that has not been fetched (await its data() first, or " +
          "run it through onHost in host_reads.ts); meanwhile run it on another backend " +
          "(--backend wasm)",
      );
    }
    return original(dataId);
  };
  backend.guarded = true;
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name) {
    throw new Error(`tf.setBackend("${name}") failed`);
  }
}
