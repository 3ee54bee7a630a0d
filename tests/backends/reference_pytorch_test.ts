import assert from "node:assert/strict";
import {
  DEFAULT_PYTHON,
  type PytorchJob,
  type PytorchResult,
  runPytorchReference,
} from "../../bench/pytorch_reference.ts";
import {
  buildSiameseHead,
  buildTower,
  countParams,
  STANDARD_35,
  type TowerSpec,
} from "../../lib/models/koch.ts";
import { buildEmbeddingNet } from "../../lib/models/embedding.ts";
import { Rng } from "../../lib/rng.ts";
import { selectBackend } from "../../lib/backends/select.ts";

function torchMissing(): string | undefined {
  try {
    const probe = new Deno.Command(DEFAULT_PYTHON, { args: ["-c", "import torch"], stderr: "null" })
      .outputSync();
    return probe.code === 0 ? undefined : `torch is not importable by ${DEFAULT_PYTHON}`;
  } catch {
    return `${DEFAULT_PYTHON} is missing`;
  }
}

const MISSING = torchMissing();
if (MISSING) console.warn(`reference_pytorch_test: PyTorch tests skipped: ${MISSING}`);

/** A net small enough to train in PyTorch in a moment; batch norm and a pool-less stage. */
const TINY: TowerSpec = {
  name: "tiny",
  inputSize: 12,
  convs: [{ filters: 4, kernel: 3, pool: true }, { filters: 6, kernel: 2, pool: false }],
  dense: 8,
  denseActivation: "sigmoid",
  batchNorm: true,
  init: "he",
};

const TINY_TRIPLET: TowerSpec = {
  ...TINY,
  name: "tiny-triplet",
  batchNorm: false,
  denseActivation: "linear",
};

const JOBS: PytorchJob[] = [
  { name: "tiny", kind: "siamese", spec: TINY, trainBatch: 4, embedBatch: 4 },
  { name: "standard", kind: "siamese", spec: STANDARD_35, trainBatch: 2, embedBatch: 2 },
  {
    name: "tiny-triplet",
    kind: "triplet",
    spec: TINY_TRIPLET,
    trainBatch: 8,
    embedBatch: 4,
    drawingsPerClass: 2,
    margin: 0.2,
    embeddingBatchNorm: true,
  },
];

Deno.test({
  name: "the PyTorch reference builds nets with exactly the parameters of the tfjs towers",
  ignore: MISSING !== undefined,
  fn: async () => {
    await selectBackend("cpu");
    const run = await runPytorchReference(JOBS, { threads: 1, steps: 0, warmup: 0 });
    if (typeof run === "string") throw new Error(run);
    const rng = new Rng(1);
    for (const [i, job] of JOBS.entries()) {
      const got: PytorchResult = run.results[i];
      assert.equal(got.name, job.name);
      if (job.kind === "siamese") {
        const tower = buildTower(job.spec, rng.fork("t"));
        const head = buildSiameseHead(job.spec, rng.fork("h"));
        assert.deepEqual(got.params, { tower: countParams(tower), head: countParams(head) });
        tower.dispose();
        head.dispose();
      } else {
        const net = buildEmbeddingNet(job.spec, {
          dimension: job.spec.dense,
          rng: rng.fork("e"),
          batchNorm: job.embeddingBatchNorm,
        });
        assert.deepEqual(got.params, { tower: countParams(net), head: 0 });
        net.dispose();
      }
    }
  },
});

Deno.test({
  name: "the PyTorch reference times training and embedding steps of a tiny net",
  ignore: MISSING !== undefined,
  fn: async () => {
    const run = await runPytorchReference([JOBS[0], JOBS[2]], { threads: 1, steps: 2, warmup: 1 });
    if (typeof run === "string") throw new Error(run);
    assert.equal(run.threads, 1);
    for (const r of run.results) {
      assert.equal(r.train_ms?.length, 2);
      assert.equal(r.embed_ms?.length, 2);
      for (const ms of [...r.train_ms!, ...r.embed_ms!]) assert.ok(ms > 0 && ms < 60_000);
    }
  },
});

Deno.test("without an interpreter or torch the reference says why in one line", async () => {
  const run = await runPytorchReference(JOBS, {
    threads: 1,
    steps: 0,
    warmup: 0,
    python: "/nonexistent/python3",
  });
  assert.equal(typeof run, "string");
  assert.match(run as string, /\/nonexistent\/python3/);
  assert.ok(!(run as string).includes("\n"));
});
