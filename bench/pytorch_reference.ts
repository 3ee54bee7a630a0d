/**
 * Runs `bench/reference_pytorch.py` (Debian's python3-torch) on the bench's nets and returns
 * its timings, or the one-line reason it could not run, so `deno task bench --reference
 * pytorch` can skip it cleanly on machines without torch.
 */
import type { TowerSpec } from "../lib/models/koch.ts";
import { childEnv } from "../lib/child_env.ts";

/** Debian's interpreter: python3-torch installs into it, not into pyenv or venv pythons. */
export const DEFAULT_PYTHON = "/usr/bin/python3";

const SCRIPT = new URL("./reference_pytorch.py", import.meta.url).pathname;

/** One net for the reference script. */
export interface PytorchJob {
  /** Bench model name (`koch-105`, `standard`, `triplet`). */
  name: string;
  /** `siamese`: tower + weighted-L1 head on pairs; `triplet`: embedding net, batch-hard loss. */
  kind: "siamese" | "triplet";
  spec: TowerSpec;
  /** Pairs (siamese) or images (triplet) per training step. */
  trainBatch: number;
  /** Images per embedding call. */
  embedBatch: number;
  /** Triplet only: images per class in the batch (K of P x K). */
  drawingsPerClass?: number;
  /** Triplet only: the margin of the batch-hard loss. */
  margin?: number;
  /** Triplet only: batch-normalise the embedding before the L2 normalisation. */
  embeddingBatchNorm?: boolean;
}

/** What the script measured for one job. */
export interface PytorchResult {
  name: string;
  /** Trainable parameters of the tower (or embedding net) and the head (0 for triplet). */
  params: { tower: number; head: number };
  /** Timed training steps in ms (absent when `steps` was 0). */
  train_ms?: number[];
  /** Timed embedding calls in ms. */
  embed_ms?: number[];
}

/** The script's answer. */
export interface PytorchRun {
  torch: string;
  threads: number;
  results: PytorchResult[];
}

/** Options of {@link runPytorchReference}. */
export interface PytorchOptions {
  threads: number;
  /** Timed steps per measurement; 0 only builds the nets and counts parameters. */
  steps: number;
  warmup: number;
  /** Interpreter with torch (default {@link DEFAULT_PYTHON}). */
  python?: string;
}

/** Times `jobs` in PyTorch; a string is why it could not (no python, no torch, script failed). */
export async function runPytorchReference(
  jobs: PytorchJob[],
  options: PytorchOptions,
): Promise<PytorchRun | string> {
  const python = options.python ?? DEFAULT_PYTHON;
  const probe = await output(python, ["-c", "import torch"], "");
  if (typeof probe === "string") return probe;
  if (probe.code !== 0) {
    return `torch is not importable by ${python} (install Debian's python3-torch: ` +
      `apt-get install python3-torch)`;
  }
  const request = JSON.stringify({
    threads: options.threads,
    steps: options.steps,
    warmup: options.warmup,
    jobs,
  });
  const run = await output(python, [SCRIPT], request);
  if (typeof run === "string") return run;
  if (run.code !== 0) {
    const tail = run.stderr.trim().split("\n").at(-1) ?? "";
    return `${SCRIPT} failed (exit ${run.code}): ${tail}`;
  }
  return JSON.parse(run.stdout) as PytorchRun;
}

async function output(
  command: string,
  args: string[],
  stdin: string,
): Promise<{ code: number; stdout: string; stderr: string } | string> {
  let child;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      ...childEnv(),
    }).spawn();
  } catch (err) {
    return `${command} cannot run (${err instanceof Error ? err.message : String(err)})`;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}
