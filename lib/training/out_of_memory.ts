/**
 * Turning a backend's out-of-memory failure into a message a user can act on. The backends
 * fail in their own words: wasm's 32-bit heap ends in "memory access out of bounds" (after
 * XNNPACK's "xnn_create_convolution2d_nhwc_f32 ... status 6", its out-of-memory status),
 * WebGPU refuses buffers above its limits, tfjs-node and the cpu backend throw allocation
 * errors. None of them says which layer or what to change; {@link explainOutOfMemory} does,
 * estimating the activations from the model's layer shapes.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** The backend ran out of memory; the message names the stage, the estimate and the fixes. */
export class OutOfMemoryError extends Error {
  /** Where it happened (`the backward pass of the chunk at image 32 (taped)`, ...). */
  readonly stage: string;
  /** The largest activation's layer, when a model was known. */
  readonly layer?: string;
  /** Estimated bytes the stage needed (activations, plus weights and optimiser state). */
  readonly bytes?: number;
  constructor(message: string, stage: string, layer?: string, bytes?: number) {
    super(message);
    this.name = "OutOfMemoryError";
    this.stage = stage;
    this.layer = layer;
    this.bytes = bytes;
  }
}

const OUT_OF_MEMORY = [
  /memory access out of bounds/i,
  /xnn_create_\w+.*status 6/i,
  /\bout of memory\b/i,
  /\bOOM\b/,
  /Cannot enlarge memory/i,
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /max(imum)?\s*buffer\s*size/i,
  /maxStorageBufferBindingSize|maxBufferSize/i,
  /failed to allocate/i,
];

/** True when `err` reads like a backend's out-of-memory failure. */
export function isOutOfMemory(err: unknown): boolean {
  if (err instanceof OutOfMemoryError) return true;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return OUT_OF_MEMORY.some((re) => re.test(text));
}

/**
 * Bytes each layer keeps for the backward pass for `images` inputs, from the model's static
 * shapes: its output, times the maps of that size a layer says its taped pass keeps
 * (`tapedMaps`, as a residual block's four: its two convolutions' outputs, their sum with the
 * input and its ReLU), else one.
 */
export function activationBytes(
  model: tfl.LayersModel,
  images: number,
): { layers: { name: string; shape: number[]; bytes: number }[]; total: number } {
  const layers = model.layers.map((l) => {
    const out = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (
      | number
      | null
    )[];
    const shape = [images, ...out.slice(1).map((d) => d ?? 1)];
    const maps = (l as { tapedMaps?: number }).tapedMaps ?? 1;
    return { name: l.name, shape, bytes: 4 * maps * shape.reduce((a, b) => a * b, 1) };
  });
  return { layers, total: layers.reduce((a, l) => a + l.bytes, 0) };
}

/**
 * The largest convolution weight-gradient workspace of a taped pass over `images`: the input
 * patches unrolled, images x outH x outW x (kh kw inC) floats (the paper net's conv2 needs
 * 2.8 GB of them for 128 images); undefined for a model without convolutions. A layer with a
 * 4-D first weight convolves: a `Conv2D`, or a residual block (residual_block.ts), whose two
 * same-padded convolutions share that kernel's shape and its output's map.
 */
export function convGradientWorkspace(
  model: tfl.LayersModel,
  images: number,
): { name: string; bytes: number } | undefined {
  let best: { name: string; bytes: number } | undefined;
  for (const l of model.layers) {
    if (l.weights[0]?.shape.length !== 4) continue;
    const [kh, kw, inC] = l.weights[0].shape as number[];
    const out = l.outputShape as number[];
    const bytes = 4 * images * out[1] * out[2] * kh * kw * inC;
    if (!best || bytes > best.bytes) best = { name: l.name, bytes };
  }
  return best;
}

/** Options of {@link explainOutOfMemory}. */
export interface OutOfMemoryContext {
  /** What was running. */
  stage: string;
  /** The model being run, for the estimate. */
  model?: tfl.LayersModel;
  /** Images in the failing pass. */
  images?: number;
  /** The pass was taped (activations kept for the backward pass) rather than freed as it went. */
  taped?: boolean;
  /** The chunk size in use, if the step was chunked. */
  chunkImages?: number;
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MB`;

/**
 * `err` itself when it is not an out-of-memory failure (or already explained); otherwise an
 * {@link OutOfMemoryError} naming the stage, the largest layer, the estimated need and what
 * to change (chunk size, profile, backend).
 */
export function explainOutOfMemory(err: unknown, context: OutOfMemoryContext): unknown {
  if (err instanceof OutOfMemoryError || !isOutOfMemory(err)) return err;
  const original = err instanceof Error ? err.message : String(err);
  const backend = tf.getBackend();
  let need = "";
  let layer: string | undefined, bytes: number | undefined;
  if (context.model && context.images) {
    const a = activationBytes(context.model, context.images);
    const top = a.layers.reduce((x, y) => (y.bytes > x.bytes ? y : x));
    const params = context.model.countParams();
    // Taped: every activation is kept; plus weights, their gradients and the optimiser's slots.
    const weights = 4 * params * 3;
    const work = context.taped ? convGradientWorkspace(context.model, context.images) : undefined;
    bytes = (context.taped ? a.total + (work?.bytes ?? 0) : 2 * top.bytes) + weights;
    layer = work && work.bytes > top.bytes ? work.name : top.name;
    need = ` The largest activation is layer ${top.name} ([${top.shape.join(", ")}], ${
      mb(top.bytes)
    }); ${
      context.taped
        ? `a taped pass over ${context.images} images keeps about ${mb(a.total)} of activations${
          work
            ? ` and the backward pass of layer ${work.name} unrolls its input patches into ${
              mb(work.bytes)
            }`
            : ""
        }`
        : `a pass over ${context.images} images needs about ${mb(2 * top.bytes)} at its peak`
    }, besides about ${mb(weights)} of weights, gradients and optimiser state (${
      params.toLocaleString("en-US")
    } parameters): about ${mb(bytes)} in all.`;
  }
  const half = context.chunkImages && context.chunkImages > 1
    ? `--chunk ${Math.max(1, Math.floor(context.chunkImages / 2))}`
    : "--chunk 16";
  const fixes =
    ` To fit: use smaller chunks (${half}${
      context.chunkImages ? `; now ${context.chunkImages} images per chunk` : ""
    }), a smaller profile (--profile standard trains 35x35 images), or a backend with more memory (` +
    `${
      backend === "wasm"
        ? "wasm's heap stops at 4 GB; --backend tensorflow or a GPU backend"
        : backend === "webgpu"
        ? "WebGPU caps single buffers; --backend tensorflow-gpu or tensorflow"
        : "a GPU backend, or a machine with more memory"
    }).`;
  return new OutOfMemoryError(
    `out of memory on backend ${backend} in ${context.stage} (${original}).${need}${fixes}`,
    context.stage,
    layer,
    bytes,
  );
}
