/**
 * Checkpoints: everything a killed run needs to continue as if it had never stopped. The
 * weights, the optimiser state and the early-stopping record are stored; the random
 * streams are not, because every batch draws from a stream derived from its step index.
 *
 * One file, written atomically (temp file + rename): the 8-byte magic `SIAMCKP2`, a
 * little-endian uint32 header length, a JSON header, padding to 4 bytes, the float32
 * arrays back to back in header order (weights, optimiser state, best weights, weight
 * averages), then the sha256 of everything before it. The
 * checksum is what catches a same-size file with damaged weights, which would otherwise
 * resume silently and finish at another accuracy.
 */
import { digest, exists, writeFileAtomic } from "../data/files.ts";
import type { EarlyStoppingState } from "./early_stopping.ts";

/** One point of the training curve. */
export interface HistoryPoint {
  /** Steps completed. */
  step: number;
  /** Mean training loss since the previous point. */
  loss: number;
  /** Validation accuracy (percent), at validation points. */
  accuracy?: number;
  /** Training seconds so far. */
  seconds: number;
}

/** The state of a run after `step` steps. */
export interface Checkpoint {
  /** Steps completed. */
  step: number;
  /** Training seconds spent so far, so that time budgets continue across resumes. */
  seconds: number;
  /** Identifies the configuration; a checkpoint of another configuration is never resumed. */
  configHash: string;
  /** All model weights (trainable and not), in the models' order. */
  weights: Float32Array[];
  /** Optimiser state arrays. */
  optimizer: Float32Array[];
  /** The running averages of the weights (weight_average.ts), when the run keeps them; else empty. */
  average?: Float32Array[];
  early: EarlyStoppingState;
  history: HistoryPoint[];
}

const MAGIC = "SIAMCKP2";
const SUM_BYTES = 32;

/** Serialise a checkpoint into one buffer. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const groups = [
    ckpt.weights,
    ckpt.optimizer,
    ckpt.early.bestWeights ?? [],
    ckpt.average ?? [],
  ];
  const header = JSON.stringify({
    step: ckpt.step,
    seconds: ckpt.seconds,
    configHash: ckpt.configHash,
    early: {
      bestStep: ckpt.early.bestStep,
      bestAccuracy: Number.isFinite(ckpt.early.bestAccuracy) ? ckpt.early.bestAccuracy : null,
      bad: ckpt.early.bad,
      hasBest: ckpt.early.bestWeights !== null,
    },
    history: ckpt.history,
    lengths: groups.map((g) => g.map((a) => a.length)),
  });
  const head = new TextEncoder().encode(header);
  const start = align4(8 + 4 + head.length);
  const floats = groups.flat().reduce((s, a) => s + a.length, 0);
  const out = new Uint8Array(start + 4 * floats + SUM_BYTES);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, head.length, true);
  out.set(head, 12);
  const body = new Float32Array(out.buffer, start, floats);
  let offset = 0;
  for (const a of groups.flat()) {
    body.set(a, offset);
    offset += a.length;
  }
  out.set(hexBytes(digest(out.subarray(0, out.length - SUM_BYTES))), out.length - SUM_BYTES);
  return out;
}

/** Parse a buffer from {@link encodeCheckpoint}. @throws {Error} naming what is wrong. */
export function decodeCheckpoint(file: Uint8Array): Checkpoint {
  const magic = file.length >= 12 ? new TextDecoder().decode(file.subarray(0, 8)) : "";
  if (magic === "SIAMCKP1") {
    throw new Error("checkpoint: written by an older version without a checksum");
  }
  if (magic !== MAGIC) throw new Error("checkpoint: not a checkpoint file (bad magic)");
  if (file.length < 12 + SUM_BYTES) throw new Error("checkpoint: truncated");
  const bytes = file.subarray(0, file.length - SUM_BYTES);
  if (
    digest(bytes) !== [...file.subarray(bytes.length)].map((b) => b.toString(16).padStart(2, "0"))
      .join("")
  ) {
    throw new Error("checkpoint: fails its checksum (truncated or corrupt)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = view.getUint32(8, true);
  if (12 + headLength > bytes.length) throw new Error("checkpoint: truncated header");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headLength)));
  const lengths: number[][] = header.lengths;
  const start = align4(12 + headLength);
  const floats = lengths.flat().reduce((s, n) => s + n, 0);
  if (start + 4 * floats !== bytes.length) {
    throw new Error(
      `checkpoint: expected ${
        start + 4 * floats
      } bytes, found ${bytes.length} (truncated or corrupt)`,
    );
  }
  const body = new Float32Array(bytes.slice(start).buffer);
  let offset = 0;
  const groups = lengths.map((g) =>
    g.map((n) => {
      const a = body.slice(offset, offset + n);
      offset += n;
      return a;
    })
  );
  return {
    step: header.step,
    seconds: header.seconds,
    configHash: header.configHash,
    weights: groups[0],
    optimizer: groups[1],
    // Only runs that average their weights write any (files from before hold three groups).
    ...(groups[3]?.length ? { average: groups[3] } : {}),
    early: {
      bestStep: header.early.bestStep,
      bestAccuracy: header.early.bestAccuracy ?? -Infinity,
      bad: header.early.bad,
      bestWeights: header.early.hasBest ? groups[2] : null,
    },
    history: header.history,
  };
}

/** Write a checkpoint atomically. */
export async function saveCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt));
}

/**
 * Read the checkpoint at `path` if there is one for `configHash`; null when absent or
 * written for another configuration. A corrupt file throws (it is never silently trusted).
 */
export async function loadCheckpoint(path: string, configHash: string): Promise<Checkpoint | null> {
  if (!(await exists(path))) return null;
  const ckpt = decodeCheckpoint(await Deno.readFile(path));
  return ckpt.configHash === configHash ? ckpt : null;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(
    { length: hex.length / 2 },
    (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16),
  );
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
