/**
 * `deno task gpu-check`: one prepared command for a machine with a GPU. It lists the adapters
 * (WebGPU through Vulkan/Metal/D3D, tfjs-node-gpu when installed), runs the gradient checks
 * of `lib/backends/grad_checks.ts` on the GPU backend against cpu, and times koch-105 and
 * standard training on the GPU backend and on wasm through `deno task bench`. It writes
 * `results/gpu-check/report.json` and prints a summary.
 *
 * Without a GPU (no adapter, or only a software one such as llvmpipe, and no CUDA through
 * tfjs-node-gpu) it says why in one line and exits 2, before any work.
 * Exit 0: every check passed; 1: a check failed; 2: no GPU or bad usage.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, selectBackend } from "../lib/backends/select.ts";
import { GRAD_CHECKS } from "../lib/backends/grad_checks.ts";
import { parseCommandLine, parseFlags } from "../lib/cli.ts";
import { writeFileAtomic } from "../lib/data/files.ts";
import { REPO_ROOT } from "../lib/data/paths.ts";

const HELP = `deno task gpu-check [--out DIR]

On a machine with a GPU: lists the adapters, checks gradients on the GPU backend against cpu,
and times koch-105 and standard training on it and on wasm (deno task bench). Writes
results/gpu-check/report.json (or DIR/report.json). At most about 8 minutes.
Exit codes: 0 all checks passed, 1 a check failed, 2 no GPU here (the line says why).`;

/** A GPU adapter found, or why none was usable. */
export interface AdapterReport {
  api: "webgpu" | "tfjs-node-gpu";
  found: boolean;
  /** The adapter's description, or why there is none. */
  detail: string;
  /** True for a software renderer (llvmpipe, SwiftShader): found but not a GPU. */
  software?: boolean;
}

/** Relative error below which a gradient matches cpu (float32 on both). */
const GRAD_TOLERANCE = 1e-3;

/** Adapters this machine offers: WebGPU (any) and tfjs-node-gpu with CUDA. */
export async function findAdapters(): Promise<AdapterReport[]> {
  const adapters: AdapterReport[] = [];
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: "high-performance" }) : null;
  if (adapter == null) {
    adapters.push({
      api: "webgpu",
      found: false,
      detail: gpu ? "requestAdapter() returned no adapter" : "navigator.gpu is not available",
    });
  } else {
    const info = (adapter as unknown as { info?: Record<string, unknown> }).info ?? {};
    const detail = [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s != null && s !== "").join(" ");
    const software = info.isFallbackAdapter === true ||
      /llvmpipe|lavapipe|swiftshader|software/i.test(detail);
    adapters.push({ api: "webgpu", found: true, detail, software });
  }
  try {
    await selectBackend("tensorflow-gpu");
    adapters.push({ api: "tfjs-node-gpu", found: true, detail: "TensorFlow sees a CUDA GPU" });
  } catch (err) {
    adapters.push({
      api: "tfjs-node-gpu",
      found: false,
      detail: (err as Error).message.replace(/^backend \S+ is not available: /, ""),
    });
  }
  return adapters;
}

/** The GPU backend to check (CUDA first), or undefined when there is no real GPU. */
export function gpuBackend(adapters: AdapterReport[]): BackendName | undefined {
  if (adapters.some((a) => a.api === "tfjs-node-gpu" && a.found)) return "tensorflow-gpu";
  if (adapters.some((a) => a.api === "webgpu" && a.found && !a.software)) return "webgpu";
  return undefined;
}

/** One line: why this machine has no GPU to check. */
export function noGpuLine(adapters: AdapterReport[]): string {
  return "no GPU here: " +
    adapters.map((a) =>
      `${a.api}: ${a.found && a.software ? `only a software adapter (${a.detail})` : a.detail}`
    ).join("; ");
}

async function gradientChecks(backend: BackendName): Promise<Record<string, number[]>> {
  const run = async (name: BackendName, f: () => tf.Tensor[]) => {
    await selectBackend(name);
    const out = tf.tidy(f);
    const values = await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    return values;
  };
  const errors: Record<string, number[]> = {};
  for (const [name, f] of Object.entries(GRAD_CHECKS)) {
    const expected = await run("cpu", f);
    const actual = await run(backend, f);
    errors[name] = expected.map((e, i) => {
      let diff = 0;
      let scale = 1e-30;
      for (let j = 0; j < e.length; j++) {
        diff = Math.max(diff, Math.abs(actual[i][j] - e[j]));
        scale = Math.max(scale, Math.abs(e[j]));
      }
      return diff / scale;
    });
  }
  return errors;
}

async function bench(backend: BackendName, out: string): Promise<unknown> {
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write=results,/tmp",
      "--allow-env",
      "--allow-run",
      "--allow-ffi",
      "--allow-sys",
      `${REPO_ROOT}/scripts/bench.ts`,
      "--backends",
      `${backend},wasm`,
      "--models",
      "koch-105,standard",
      "--out",
      `${out}/bench`,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (child.code !== 0) return { error: `deno task bench exited with ${child.code}` };
  return JSON.parse(await Deno.readTextFile(`${out}/bench/throughput.json`));
}

/** Run the check; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    (a) => {
      const v = parseFlags(a, {
        out: { type: "string", default: "results/gpu-check" },
        help: { type: "boolean", short: "h", default: false },
      });
      return { out: v.out!, help: v.help! };
    },
    argv,
    HELP,
  );
  if (typeof args === "number") return args;
  const adapters = await findAdapters();
  const backend = gpuBackend(adapters);
  if (backend === undefined) {
    console.error(`error: ${noGpuLine(adapters)}`);
    return 2;
  }
  for (const a of adapters) console.error(`${a.api}: ${a.found ? "found" : "none"}: ${a.detail}`);
  const errors = await gradientChecks(backend);
  const gradientsOk = Object.values(errors).every((e) => e.every((x) => x < GRAD_TOLERANCE));
  for (const [name, e] of Object.entries(errors)) {
    console.error(
      `gradients ${name} on ${backend}: max relative error ` +
        `${Math.max(...e).toExponential(2)} (${gradientsOk ? "ok" : "FAILED"})`,
    );
  }
  const throughput = await bench(backend, args.out);
  const report = {
    date: new Date().toISOString(),
    backend,
    adapters,
    gradients: { tolerance: GRAD_TOLERANCE, relative_errors: errors, ok: gradientsOk },
    throughput,
  };
  await writeFileAtomic(`${args.out}/report.json`, JSON.stringify(report, null, 2) + "\n");
  console.error(`wrote ${args.out}/report.json`);
  return gradientsOk ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
