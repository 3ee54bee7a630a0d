import assert from "node:assert/strict";
import { KOCH_105, STANDARD_35 } from "../../lib/models/koch.ts";
import { UsageError } from "../../lib/usage_error.ts";
import { parseBenchArgs } from "../../scripts/bench.ts";
import { embedFlops, layerFlops, trainStepFlops } from "../../bench/flops.ts";
import { seedSubnormals } from "../../bench/measure.ts";
import {
  type BenchRow,
  mergeRounds,
  ratioVsCpu,
  ratioVsPytorch,
  roundRatios,
} from "../../bench/rows.ts";
import { benchMarkdown } from "../../bench/report.ts";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../../lib/backends/select.ts";
import { Rng } from "../../lib/rng.ts";
import { countSubnormals } from "../helpers.ts";

await selectBackend("cpu"); // as tf.setBackend, without tfjs's advert for tfjs-node

Deno.test("the bench counts the FLOPs of the paper's net layer by layer", () => {
  // 2 x outputs x (kernel area x input channels) per layer, Koch et al. Figure 4.
  const koch = [
    2 * 96 * 96 * 64 * 10 * 10 * 1,
    2 * 42 * 42 * 128 * 7 * 7 * 64,
    2 * 18 * 18 * 128 * 4 * 4 * 128,
    2 * 6 * 6 * 256 * 4 * 4 * 128,
    2 * 9216 * 4096,
  ];
  assert.deepEqual(layerFlops(KOCH_105), koch);
  assert.equal(embedFlops(KOCH_105, 1), koch.reduce((a, b) => a + b, 0));
  const standard = layerFlops(STANDARD_35).reduce((a, b) => a + b, 0);
  assert.equal(embedFlops(STANDARD_35, 3), 3 * standard);
});

Deno.test("a training step costs forward, weight gradients and all input gradients but the first", () => {
  const f = layerFlops(KOCH_105);
  const forward = f.reduce((a, b) => a + b, 0);
  assert.equal(trainStepFlops(KOCH_105, 8), 16 * (3 * forward - f[0]) + 8 * 6 * 4096);
});

Deno.test("bench flags: subsets, counts, and errors that name the bad flag", () => {
  const all = parseBenchArgs([]);
  assert.deepEqual(all.backends, ["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"]);
  assert.deepEqual(all.models, ["koch-105", "standard", "triplet"]);
  assert.equal(all.reference, undefined);
  assert.equal(parseBenchArgs(["--reference", "pytorch"]).reference, "pytorch");
  assert.throws(
    () => parseBenchArgs(["--reference", "jax"]),
    /unknown value "jax" for --reference/,
  );
  assert.equal(all.steps, 3);
  const some = parseBenchArgs(["--backends", "wasm,cpu", "--steps", "5", "--models", "standard"]);
  assert.deepEqual(some.backends, ["wasm", "cpu"]);
  assert.deepEqual(some.models, ["standard"]);
  assert.equal(some.steps, 5);
  assert.throws(
    () => parseBenchArgs(["--fast"]),
    (e: unknown) => e instanceof UsageError && /--fast/.test(e.message),
  );
  assert.throws(() => parseBenchArgs(["--backends", "gpu"]), /unknown value "gpu" for --backends/);
  assert.throws(() => parseBenchArgs(["--steps", "0"]), /--steps must be a positive integer/);
  assert.deepEqual(
    parseBenchArgs(["--models", "triplet,triplet-subnormal"]).models,
    ["triplet", "triplet-subnormal"],
    "the subnormal net runs only when named",
  );
  assert.equal(all.rounds, 1);
  assert.equal(parseBenchArgs(["--rounds", "3"]).rounds, 3);
  assert.throws(() => parseBenchArgs(["--rounds", "0"]), /--rounds must be a positive integer/);
});

Deno.test("rounds merge into the median of each row's round medians, and PyTorch ratios round by round", () => {
  const r = (backend: "pytorch" | "wasm", ms: number | null, min = ms, note = ""): BenchRow => ({
    backend,
    model: "standard",
    phase: "train",
    batch: 32,
    ms_per_step: ms,
    pairs_per_s: ms == null ? null : 32000 / ms,
    gflop_per_s: null,
    images_per_s: null,
    steps: ms == null ? 0 : 5,
    ms_min: min,
    note,
  });
  const one = [r("wasm", 60, 58, "2 threads"), r("pytorch", 80)];
  assert.equal(mergeRounds([one]), one, "one round is given back as it is");
  const merged = mergeRounds([
    one,
    [r("wasm", 62, 61), r("pytorch", 140, 70)],
    [r("wasm", 61, 57), r("pytorch", 60, 55)],
  ]);
  assert.equal(merged.length, 2);
  const [wasm, torch] = merged;
  assert.equal(wasm.ms_per_step, 61, "the median of 60, 62, 61");
  assert.equal(wasm.ms_min, 57, "the fastest step of every round");
  assert.equal(wasm.steps, 15);
  assert.equal(wasm.pairs_per_s, 524.59, "throughput follows the merged median");
  assert.deepEqual(wasm.rounds_ms, [60, 62, 61]);
  assert.equal(wasm.note, "2 threads", "the first round's note");
  assert.equal(torch.ms_per_step, 80);
  assert.deepEqual(torch.rounds_ms, [80, 140, 60]);
  assert.deepEqual(roundRatios(merged), [
    "standard train, wasm: 1.33x, 2.26x, 0.98x (median 1.33x; wasm 60-62 ms, PyTorch 60-140 ms)",
  ]);
  const md = benchMarkdown(merged, [], { cpu: "x", cores: 2, deno: "2", tfjs: "4", date: "d" });
  assert.match(md, /Ratios to PyTorch round by round \(`--rounds 3`/);
  assert.match(md, /- standard train, wasm: 1\.33x, 2\.26x, 0\.98x/);
  // A row one round could not measure is not merged: it keeps the first round's row.
  const gap = mergeRounds([[r("wasm", 60)], [r("wasm", null, null, "out of memory")]]);
  assert.equal(gap[0].ms_per_step, 60);
  assert.equal(gap[0].rounds_ms, undefined);
  assert.deepEqual(roundRatios(gap), []);
  assert.doesNotMatch(benchMarkdown(one, [], {}), /round by round/);
});

Deno.test("speed ratios compare each backend with cpu on the same net and phase", () => {
  const r = (backend: "cpu" | "wasm", ms: number | null): BenchRow => ({
    backend,
    model: "standard",
    phase: "train",
    batch: 32,
    ms_per_step: ms,
    pairs_per_s: null,
    gflop_per_s: null,
    images_per_s: null,
    steps: 1,
    ms_min: ms,
    note: "",
  });
  const rows = [r("wasm", 200), r("cpu", 7000)];
  assert.equal(ratioVsCpu(rows[0], rows), "35x");
  assert.equal(ratioVsCpu(r("wasm", 2000), rows), "3.5x");
  assert.equal(ratioVsCpu(r("wasm", null), rows), "");
  assert.equal(ratioVsCpu(rows[0], [rows[0]]), "");
});

Deno.test("the vs PyTorch column compares each tfjs row with PyTorch on the same net, phase and batch", () => {
  const r = (backend: "pytorch" | "wasm", ms: number | null, batch = 32): BenchRow => ({
    backend,
    model: "standard",
    phase: "train",
    batch,
    ms_per_step: ms,
    pairs_per_s: null,
    gflop_per_s: null,
    images_per_s: null,
    steps: 1,
    ms_min: ms,
    note: "",
  });
  const rows = [r("wasm", 200), r("pytorch", 50)];
  assert.equal(ratioVsPytorch(rows[0], rows), "0.25x");
  assert.equal(ratioVsPytorch(rows[1], rows), "", "no ratio on PyTorch's own row");
  assert.equal(ratioVsPytorch(r("wasm", 200, 64), rows), "", "a different batch is not compared");
  assert.equal(ratioVsPytorch(rows[0], [rows[0]]), "");
  const md = benchMarkdown(rows, [], { cpu: "x", cores: 2, deno: "2", tfjs: "4", date: "d" });
  assert.match(md, /\| vs cpu \| vs PyTorch \| note \|/);
  assert.match(md, /\| wasm \| standard \| train \| 32 \| 200 \|.*\| 0\.25x \| {2}\|/);
});

Deno.test("the bench exits 2 with a message on an unknown flag", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      "scripts/bench.ts",
      "--nope",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /Unknown option '--nope'/);
});

Deno.test("the subnormal bench net: the given share of each kernel set to subnormals, the rest kept", () => {
  const a = tf.variable(tf.reshape(tf.range(1, 1001), [10, 100]));
  const b = tf.variable(tf.fill([50], 0.25));
  const before = [a.dataSync().slice(), b.dataSync().slice()];
  assert.equal(seedSubnormals([a, b], 0.032, new Rng(1, "sub")), 32 + 2);
  assert.equal(countSubnormals([a.dataSync()]), 32);
  assert.equal(countSubnormals([b.dataSync()]), 2);
  [a, b].forEach((v, k) => {
    const after = v.dataSync();
    const kept = Array.from(after).filter((x, i) => x === before[k][i]).length;
    assert.equal(kept, after.length - (k === 0 ? 32 : 2), "every other entry unchanged");
  });
  tf.dispose([a, b]);
});
