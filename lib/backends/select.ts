/**
 * The one place that chooses and starts the tfjs backend. Every other module reads the
 * choice back with `tf.getBackend()`.
 *
 * `auto` tries, fastest first: `tensorflow-gpu` (tfjs-node-gpu, CUDA), `tensorflow`
 * (tfjs-node, libtensorflow on the CPU), `webgpu` (a real GPU adapter only; software
 * adapters such as llvmpipe are slower than wasm), `wasm` (XNNPACK with the training kernels
 * of this folder), `cpu` (plain JavaScript, ~30-50x slower than wasm to train a convnet).
 *
 * The tfjs-node packages are optional: their install script downloads libtensorflow from
 * Google's storage, so they are not in the lockfile. They are loaded with `require` from
 * `node_modules/` when someone installed them, e.g.
 * `deno install --allow-scripts=npm:@tensorflow/tfjs-node npm:@tensorflow/tfjs-node@4.22.0`.
 *
 * @example
 * ```ts
 * const { name, skipped } = await selectBackend("auto", console.log);
 * // name === tf.getBackend()
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// tfjs-core's node build ships no gradients; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import { createRequire } from "node:module";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels } from "./wasm_training_kernels.ts";
import { registerReductionGradients } from "./reduction_grads.ts";
import { startThreadedWasm } from "./wasm_threads.ts";
import { defaultThreads } from "./threads.ts";
import { noteSelectedBackend, parkOnHost } from "./host_reads.ts";

/** Backends this project can run on, fastest first. */
export type BackendName = "tensorflow-gpu" | "tensorflow" | "webgpu" | "wasm" | "cpu";

/** Every backend name, in the order `auto` tries them. */
export const BACKEND_NAMES: readonly BackendName[] = [
  "tensorflow-gpu",
  "tensorflow",
  "webgpu",
  "wasm",
  "cpu",
];

/** What a user may ask for: a backend, or `auto` for the fastest that starts. */
export type BackendRequest = "auto" | BackendName;

/** Every accepted request, for `--backend` help and validation. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ["auto", ...BACKEND_NAMES];

/** A backend that was asked for and cannot start; the message says why. Exit code 2. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/** A backend `auto` passed over, and why. */
export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

/** The outcome of `selectBackend`. */
export interface SelectedBackend {
  /** The backend now active (`tf.getBackend()` is its tfjs name). */
  name: BackendName;
  /** Backends tried before it, with the reason each was passed over. */
  skipped: SkippedBackend[];
  /** One line about the backend (device, threads, version) for logs and run.json. */
  info: string;
  /** CPU threads the backend computes on (the wasm backend's XNNPACK pool; 1 for cpu). */
  threads: number | null;
}

/** Options of `selectBackend`. */
export interface SelectOptions {
  /**
   * XNNPACK threads of the wasm backend (default `defaultThreads()`: `SIAMESE_THREADS`, else
   * every core up to 8). Above 1 this starts tfjs's threaded wasm build (see `wasm_threads.ts`); it
   * must be chosen before the wasm backend first starts in the process.
   */
  wasmThreads?: number;
  /**
   * Accept a software WebGPU adapter (llvmpipe, SwiftShader) when `webgpu` is asked for by
   * name: slower than wasm, but it runs the WebGPU kernels on machines without a GPU, which is
   * how the tests check them. `auto` never takes one. Default: `SIAMESE_WEBGPU_SOFTWARE=1`.
   */
  allowSoftwareWebGpu?: boolean;
}

/** The environment variable that lets an explicit `webgpu` request use a software adapter. */
export const WEBGPU_SOFTWARE_ENV = "SIAMESE_WEBGPU_SOFTWARE";

/** True when `name` is a backend name or `auto`. */
export function isBackendRequest(name: string): name is BackendRequest {
  return (BACKEND_REQUESTS as readonly string[]).includes(name);
}

/**
 * Starts the requested backend (or the fastest that works, for `auto`) and makes it the
 * active tfjs backend. An explicit backend that cannot start throws `BackendError`; `auto`
 * logs each backend it skips and ends at `cpu`, which always works.
 */
export async function selectBackend(
  request: BackendRequest,
  log: (line: string) => void = () => {},
  options: SelectOptions = {},
): Promise<SelectedBackend> {
  if (!isBackendRequest(request)) {
    throw new BackendError(
      `unknown backend '${request}'; expected auto or one of ${BACKEND_NAMES.join(", ")}`,
    );
  }
  if (options.wasmThreads === undefined) {
    try {
      options = { ...options, wasmThreads: defaultThreads() };
    } catch (err) {
      throw new BackendError((err as Error).message);
    }
  }
  // Every backend: tfjs's own Sum/Mean gradients fill arrays of ones in JavaScript.
  registerReductionGradients();
  const candidates = request === "auto" ? BACKEND_NAMES : [request];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    const outcome = await start(name, options, request !== "auto" && softwareWebGpu(options));
    if (typeof outcome === "string") {
      if (request !== "auto") {
        throw new BackendError(`backend ${name} is not available: ${outcome}`);
      }
      skipped.push({ name, reason: outcome });
      log(`backend ${name} skipped: ${outcome}`);
      continue;
    }
    log(`backend ${name}: ${outcome.info}`);
    // webgpu cannot read synchronously in Deno: it trains, a host backend does the rest.
    noteSelectedBackend(tf.getBackend(), () => startHost(options));
    return { name, skipped, info: outcome.info, threads: outcome.threads ?? null };
  }
  throw new BackendError(`no backend could start: ${skipped.map((s) => s.name).join(", ")}`);
}

/**
 * The host backend beside a GPU backend without synchronous reads (host_reads.ts): wasm, else
 * cpu. Returns its tfjs name; it is left active.
 */
async function startHost(options: SelectOptions): Promise<string> {
  const wasm = await start("wasm", options, false);
  if (typeof wasm !== "string") return "wasm";
  const cpu = await start("cpu", options, false);
  if (typeof cpu !== "string") return "cpu";
  throw new BackendError(`no host backend could start beside the GPU: wasm: ${wasm}; cpu: ${cpu}`);
}

/** XNNPACK threads of the wasm backend once it has started (beside a GPU backend too). */
export function wasmThreadsCount(): number {
  return wasm.getThreadsCount();
}

/** The host backend beside a GPU backend that cannot read synchronously (host_reads.ts). */
export interface HostBackend {
  /** Its tfjs name: `wasm`, else `cpu`. */
  backend: string;
  /** CPU threads it computes on (the wasm backend's XNNPACK pool; 1 for cpu). */
  threads: number;
}

/** A backend an entry point runs on, with the host beside it where it has one. */
export interface RunBackend extends SelectedBackend {
  /** Where validation and evaluation run beside a GPU backend that only trains; else unset. */
  host?: HostBackend;
}

/**
 * {@link selectBackend} for an entry point (reproduce, tune, the evaluation tasks, notebooks):
 * where the backend cannot read synchronously (webgpu), the host backend is made active right
 * away (host_reads.ts `parkOnHost`), so that whatever evaluates before or without training reads
 * where it can; `train` switches to the GPU for its steps.
 */
export async function selectRunBackend(
  request: BackendRequest,
  log: (line: string) => void = () => {},
  options: SelectOptions = {},
): Promise<RunBackend> {
  const selected = await selectBackend(request, log, options);
  const host = await parkOnHost();
  if (host === undefined) return selected;
  return {
    ...selected,
    host: { backend: host, threads: host === "wasm" ? wasmThreadsCount() : 1 },
  };
}

/**
 * The log headers' note on where a run computes: the backend's CPU threads, or, beside a GPU
 * backend that only trains, where validation and evaluation run.
 */
export function computeNote(backend: RunBackend): string {
  const threads = (n: number | null) => `${n ?? "?"} thread${n === 1 ? "" : "s"}`;
  const host = backend.host;
  return host
    ? `training steps only; validation and evaluation on ${host.backend}, ${threads(host.threads)}`
    : threads(backend.threads);
}

/** A backend that started: its description and, where known, its CPU threads. */
interface Started {
  info: string;
  threads?: number;
}

/** Starts one backend; a string is the reason it could not. */
async function start(
  name: BackendName,
  options: SelectOptions,
  softwareOk: boolean,
): Promise<Started | string> {
  try {
    switch (name) {
      case "tensorflow-gpu":
        return await startTfjsNode("@tensorflow/tfjs-node-gpu", true);
      case "tensorflow":
        return await startTfjsNode("@tensorflow/tfjs-node", false);
      case "webgpu":
        return await startWebGpu(softwareOk);
      case "wasm":
        return await startWasm(options.wasmThreads!);
      case "cpu":
        return await startCpu();
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function activate(tfName: string): Promise<string | undefined> {
  const ok = await tf.setBackend(tfName);
  if (!ok || tf.getBackend() !== tfName) return `tf.setBackend("${tfName}") failed`;
  return undefined;
}

async function startTfjsNode(pkg: string, gpu: boolean): Promise<{ info: string } | string> {
  const require = createRequire(import.meta.url);
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed (optional: its install script downloads libtensorflow ` +
      `from storage.googleapis.com; install it with deno install --allow-scripts=npm:${pkg} ` +
      `npm:${pkg}@${tf.version_core})`;
  }
  // Native code needs --allow-ffi, which only the reproduce-native task grants: the plain
  // tasks run without it, so a native addon cannot load by accident.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return `${pkg} is installed but loading native code needs --allow-ffi: run ` +
      `deno task reproduce-native (the reproduce task does not grant it)`;
  }
  try {
    require(pkg);
  } catch (err) {
    return `${pkg} failed to load: ${err instanceof Error ? err.message : String(err)}`;
  }
  const failed = await activate("tensorflow");
  if (failed) return failed;
  const binding = (tf.backend() as unknown as { binding?: { isUsingGpuDevice?: () => boolean } })
    .binding;
  const usesGpu = binding?.isUsingGpuDevice?.() ?? false;
  if (gpu && !usesGpu) {
    return `${pkg} loaded but TensorFlow sees no CUDA GPU`;
  }
  return { info: `${pkg} (libtensorflow${usesGpu ? ", CUDA GPU" : ", CPU"})` };
}

/** Adapter descriptions of software renderers, which are slower than wasm. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|basic render|warp/i;

function softwareWebGpu(options: SelectOptions): boolean {
  if (options.allowSoftwareWebGpu !== undefined) return options.allowSoftwareWebGpu;
  try {
    return Deno.env.get(WEBGPU_SOFTWARE_ENV) === "1";
  } catch {
    return false;
  }
}

async function startWebGpu(softwareOk: boolean): Promise<Started | string> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu == null) return "navigator.gpu is not available in this runtime";
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter == null) return "navigator.gpu.requestAdapter() returned no adapter";
  const info = (adapter as unknown as { info?: GPUAdapterInfo }).info;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s) => s != null && s !== "").join(" ");
  const fallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ||
    (info as unknown as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter;
  const software = fallback || SOFTWARE_ADAPTER.test(description);
  if (software && !softwareOk) {
    return `the only WebGPU adapter is a software renderer (${description || "fallback adapter"}` +
      `; ${WEBGPU_SOFTWARE_ENV}=1 lets an explicit --backend webgpu use it)`;
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  const failed = await activate("webgpu");
  if (failed) return failed;
  return {
    info: `WebGPU on ${description || "an unnamed adapter"}${
      software ? " (software adapter)" : ""
    }`,
  };
}

async function startWasm(threads: number): Promise<Started | string> {
  registerWasmTrainingKernels();
  if (threads > 1) {
    await startThreadedWasm(threads);
  } else {
    const failed = await activate("wasm");
    if (failed) return failed;
  }
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const count = wasm.getThreadsCount();
  return {
    info: `tfjs-backend-wasm ${tf.version_core} (XNNPACK${simd ? ", SIMD" : ""}, ` +
      `${count} thread${count === 1 ? "" : "s"}, training kernels: Conv2D gradients, ` +
      `transposed MatMul, Tile, Sum/Mean, MaxPoolGrad, UnsortedSegmentSum)`,
    threads: count,
  };
}

async function startCpu(): Promise<Started | string> {
  const failed = await activate("cpu");
  if (failed) return failed;
  // The cpu backend greets Node users with an advert for tfjs-node on its first tensor;
  // this project already reports backend choices itself.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes("running TensorFlow.js in Node.js")) warn(...args);
  };
  try {
    tf.tidy(() => tf.scalar(0));
  } finally {
    console.warn = warn;
  }
  return { info: `tfjs-backend-cpu ${tf.version_core} (plain JavaScript)`, threads: 1 };
}
