/**
 * Where a training step's time goes, kernel by kernel (`deno task bench --kernels`): tf.profile
 * around a few steps, the kernels' times summed by name, beside the plain (unprofiled) step time.
 * The difference between the two is what the step spends outside the kernels (the tape, tensor
 * bookkeeping, JavaScript between kernel calls).
 *
 * tf.profile also lists the scopes of ops with a custom gradient (`fusedConv2d__op`; a
 * `tf.customGrad` function such as the towers' batch norm under the name of the scope it runs
 * in, e.g. `unnamed scope`), whose time includes the kernels inside them: every entry that is
 * not a kernel registered on the backend is left out, so no time counts twice.
 */
import * as tf from "@tensorflow/tfjs-core";

/** One kernel's share of a step. */
export interface KernelTime {
  kernel: string;
  /** Calls per step. */
  calls: number;
  /** Milliseconds per step, summed over its calls. */
  ms: number;
}

/** A step's kernel profile. */
export interface KernelProfile {
  /** Kernels, most expensive first, per step. */
  kernels: KernelTime[];
  /** Sum of `kernels[].ms`. */
  kernelMs: number;
  /** Kernel calls per step. */
  calls: number;
  /** Profiled steps behind the means. */
  steps: number;
}

/** Profile `steps` calls of `step` (already warmed up) and sum the kernels' times by name. */
export async function profileKernels(
  step: () => void | Promise<void>,
  steps: number,
): Promise<KernelProfile> {
  const byName = new Map<string, { calls: number; ms: number }>();
  for (let i = 0; i < steps; i++) {
    const info = await tf.profile(async () => {
      await step();
    });
    for (const k of info.kernels) {
      if (isScope(k.name)) continue;
      const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += ms;
      byName.set(k.name, entry);
    }
  }
  return summarizeKernels(byName, steps);
}

/**
 * A scope entry of tf.profile (its time is that of the kernels inside it): a name that is no
 * kernel of the active backend.
 */
function isScope(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) == null;
}

/** Per-step means of summed kernel times, most expensive first. */
export function summarizeKernels(
  byName: Map<string, { calls: number; ms: number }>,
  steps: number,
): KernelProfile {
  const kernels = [...byName].map(([kernel, t]) => ({
    kernel,
    calls: t.calls / steps,
    ms: t.ms / steps,
  })).sort((a, b) => b.ms - a.ms || a.kernel.localeCompare(b.kernel));
  return {
    kernels,
    kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
    calls: kernels.reduce((s, k) => s + k.calls, 0),
    steps,
  };
}

/**
 * A Markdown table of a profile: the `top` most expensive kernels, then the rest in one row,
 * then the step's time outside the kernels (the plain step time minus the kernels' sum).
 */
export function kernelMarkdown(
  title: string,
  profile: KernelProfile,
  plainMs: number,
  top = 10,
): string {
  const share = (ms: number) => `${(100 * ms / Math.max(plainMs, 1e-9)).toFixed(0)}%`;
  const lines = [
    `### ${title}`,
    "",
    `Plain step ${plainMs.toFixed(1)} ms (median); kernels ${profile.kernelMs.toFixed(1)} ms in ` +
    `${profile.calls.toFixed(0)} calls (mean of ${profile.steps} profiled steps).`,
    "",
    "| kernel | calls | ms/step | share of the step |",
    "| --- | ---: | ---: | ---: |",
  ];
  for (const k of profile.kernels.slice(0, top)) {
    lines.push(`| ${k.kernel} | ${k.calls.toFixed(0)} | ${k.ms.toFixed(1)} | ${share(k.ms)} |`);
  }
  const rest = profile.kernels.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((s, k) => s + k.ms, 0);
    const calls = rest.reduce((s, k) => s + k.calls, 0);
    lines.push(
      `| ${rest.length} other kernels | ${calls.toFixed(0)} | ${ms.toFixed(1)} | ${share(ms)} |`,
    );
  }
  const outside = plainMs - profile.kernelMs;
  lines.push(
    `| outside the kernels (plain step - kernels) | | ${outside.toFixed(1)} | ${
      outside >= 0 ? share(outside) : "-"
    } |`,
  );
  if (outside < 0) {
    // Seen on wasm with 2 threads: timing each kernel on its own (a sync per call) costs more
    // than the kernels themselves, so the shares overstate; one thread gives a usable table.
    lines.push(
      "",
      "The profiled kernels add up to more than the plain step: timing each kernel on its own " +
        "costs more than it measures here (e.g. with several threads). Read the shares from a " +
        "`--threads 1` profile.",
    );
  }
  return lines.join("\n") + "\n";
}
