/**
 * Experimental: tfjs-backend-wasm's multi-threaded build (XNNPACK on a pthread pool) under Deno.
 *
 * Stock tfjs never starts it outside browsers: `WASM_HAS_MULTITHREAD_SUPPORT` is false under
 * Node (tfjs issue 3830), the emscripten glue starts its pthread workers from a Blob URL that
 * Deno's `node:worker_threads` refuses, and the C++ side caps the pool at half the logical
 * cores (`emscripten_num_logical_cores() / 2`), which is 1 on a 2-core machine. This module
 * works around all three while the backend starts: it sets the flag, serves the worker from
 * `wasm_threads_worker.cjs`, reports twice the threads as cores for the duration of the
 * start, and unrefs the workers so that they do not keep the process alive.
 *
 * The thread count is fixed when the wasm backend first starts in a process.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import os from "node:os";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./wasm_threads_worker.cjs", import.meta.url));

interface PThreadModule {
  PThread?: { unusedWorkers: { unref?: () => void }[]; runningWorkers: { unref?: () => void }[] };
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads (the threaded SIMD build) and makes
 * it active. Returns the thread count the backend reports. Throws when the wasm backend has
 * already started in this process with another count, or when the threaded build fails.
 */
export async function startThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new RangeError(`startThreadedWasm: threads must be an integer >= 2, got ${threads}`);
  }
  if (tf.findBackend("wasm") != null) {
    const running = wasm.getThreadsCount();
    if (running !== threads) {
      throw new Error(
        `the wasm backend already runs with ${running} thread(s) in this process; ` +
          `the thread count must be chosen before its first use`,
      );
    }
    if (!(await tf.setBackend("wasm"))) throw new Error(`tf.setBackend("wasm") failed`);
    return running;
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);
  const cpus = os.cpus;
  const createObjectURL = URL.createObjectURL;
  const patchedCpus = () => {
    const list = cpus();
    return Array.from(
      { length: Math.max(list.length, 2 * threads) },
      (_, i) => list[i % list.length],
    );
  };
  (os as { cpus: typeof os.cpus }).cpus = patchedCpus;
  URL.createObjectURL = (obj: Blob) =>
    obj.type === "application/javascript" ? WORKER : createObjectURL(obj);
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } finally {
    (os as { cpus: typeof os.cpus }).cpus = cpus;
    URL.createObjectURL = createObjectURL;
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  }
  if (!ok) throw new Error("the threaded wasm build failed to start");
  const module = (tf.backend() as unknown as { wasm: PThreadModule }).wasm;
  for (
    const w of [...(module.PThread?.unusedWorkers ?? []), ...(module.PThread?.runningWorkers ?? [])]
  ) {
    w.unref?.();
  }
  return wasm.getThreadsCount();
}
