/**
 * The two gradients of a 2-D convolution for the tfjs `wasm` backend, written as
 * forward convolutions so that they run on XNNPACK's fast Conv2D.
 *
 * tfjs-backend-wasm 4.22.0 has no `Conv2DBackpropFilter` kernel at all (tfjs issue 8474),
 * and its `Conv2DBackpropInput` is a scalar loop about 8x slower than its Conv2D. Both
 * gradients are correlations themselves:
 *
 * - filter gradient: `dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-p, ow*s+kw-p, ci] *
 *   dy[b,oh,ow,co]`. With `ci` as the batch, `b` as the input channel and `co` as the output
 *   channel this is a convolution of `x` transposed to `[ci, H, W, b]` with `dy` transposed to
 *   `[OH, OW, b, co]` as the filter, stride 1 and dilation = the forward stride.
 * - input gradient: the zero-upsampled `dy` (stride `s` spreads it out) correlated with the
 *   spatially flipped filter whose in/out channels are swapped, padded by `k - 1 - p`.
 *
 * A single input channel (every tower's first layer) makes that correlation a poor fit for
 * XNNPACK: `ci` = 1 leaves it only `OH' x OW'` (e.g. 3x3) output pixels to spread a sum over
 * `b * OH * OW` terms. There the filter gradient is one matrix product instead,
 * `dW[(kh,kw), co] = X[(kh,kw), (b,oh,ow)] dy[(b,oh,ow), co]` with `X` the shifted copies of the
 * image (3.3x faster on the standard towers' `[64, 35, 35, 1]`, 3x3 filters). With the SIMD
 * kernels (simd/kernels.wat) that product runs as one loop over the image and `dy`, without the
 * copies and without XNNPACK packing `dy` (9 MB there) as a new weight matrix every step; same
 * numbers bit for bit.
 *
 * Dilated forward convolutions have no gradient in tfjs-core itself (its Conv2D gradient
 * asserts dilation 1), so neither kernel takes a dilation.
 */
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  Reshape,
  Slice,
  type TensorInfo,
  Transpose,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { disposeAll, replaceWasmKernel, runWasmKernel } from "./wasm_kernel_utils.ts";
import { heapOffset, simdKernels } from "./simd/simd_kernels.ts";
import { swapFirstAndLast } from "./wasm_transpose.ts";

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

function convInfoNhwc(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: {
    strides: [number, number] | number;
    pad: Conv2DBackpropFilterAttrs["pad"];
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
  },
  kernelName: string,
): backend_util.Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") {
    throw new Error(
      `wasm ${kernelName} supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`,
    );
  }
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/**
 * `Conv2DBackpropFilter` on wasm: `x` `[b, H, W, ci]`, `dy` `[b, OH, OW, co]` ->
 * `[kh, kw, ci, co]`.
 */
export function conv2DBackpropFilterWasm(
  args: {
    inputs: Conv2DBackpropFilterInputs;
    backend: BackendWasm;
    attrs: Conv2DBackpropFilterAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const info = convInfoNhwc(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs,
    Conv2DBackpropFilter,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const dyShape = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.join() !== dyShape.join()) {
    throw new Error(
      `wasm Conv2DBackpropFilter: dy has shape [${dy.shape}], expected [${dyShape}]`,
    );
  }
  if (
    inChannels === 1 && strideHeight === 1 && strideWidth === 1 && padInfo.top === 0 &&
    padInfo.left === 0 && outHeight === inHeight - filterHeight + 1 &&
    outWidth === inWidth - filterWidth + 1
  ) {
    return oneChannelFilterGradient(backend, x, dy, info);
  }
  const temps: TensorInfo[] = [];
  // Padding after the input that makes the correlation exactly filterHeight x filterWidth;
  // negative when the forward pass never reached the last rows/columns (stride rounding).
  let bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
  let right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
  let xUsed = x;
  if (bottom < 0 || right < 0) {
    xUsed = runWasmKernel(backend, Slice, { x }, {
      begin: [0, 0, 0, 0],
      size: [batchSize, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels],
    });
    temps.push(xUsed);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xT = swapFirstAndLast(backend, xUsed);
  temps.push(xT);
  const dyT = runWasmKernel(backend, Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(dyT);
  const pad: Pad4 = [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]];
  const corr = runWasmKernel(backend, Conv2D, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad,
    dataFormat: "NHWC",
    dilations: [strideHeight, strideWidth],
  } as unknown as NamedAttrMap);
  temps.push(corr);
  const dw = runWasmKernel(backend, Transpose, { x: corr }, { perm: [1, 2, 0, 3] });
  disposeAll(backend, temps);
  return dw;
}

/**
 * The filter gradient of an unpadded, stride-1 convolution of a one-channel input as one
 * matrix product: the image's `kh * kw` shifted windows, each `[b * OH * OW]` long, times `dy`
 * read as `[b * OH * OW, co]`.
 */
function oneChannelFilterGradient(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth } = info;
  const simd = outChannels % 4 === 0 ? simdKernels(backend) : null;
  if (simd != null) {
    const dw = backend.makeOutput([filterHeight, filterWidth, 1, outChannels], "float32");
    simd.oneChannelFilterGrad(
      heapOffset(backend, dw),
      heapOffset(backend, x),
      heapOffset(backend, dy),
      batchSize,
      inHeight,
      inWidth,
      outHeight,
      outWidth,
      filterHeight,
      filterWidth,
      outChannels,
    );
    return dw;
  }
  const taps = filterHeight * filterWidth;
  const m = batchSize * outHeight * outWidth;
  const windows = backend.makeOutput([1, taps, m], "float32");
  // Views after the allocation: growing the wasm memory detaches older views.
  const dst = backend.typedArrayFromHeap(windows) as Float32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  for (let i = 0; i < filterHeight; i++) {
    for (let j = 0; j < filterWidth; j++) {
      let at = (i * filterWidth + j) * m;
      for (let b = 0; b < batchSize; b++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const from = (b * inHeight + oh + i) * inWidth + j;
          dst.set(src.subarray(from, from + outWidth), at);
          at += outWidth;
        }
      }
    }
  }
  const dyRows = runWasmKernel(backend, Reshape, { x: dy }, { shape: [1, m, outChannels] });
  const product = runWasmKernel(backend, BatchMatMul, { a: windows, b: dyRows }, {
    transposeA: false,
    transposeB: false,
  });
  const dw = runWasmKernel(backend, Reshape, { x: product }, {
    shape: [filterHeight, filterWidth, 1, outChannels],
  });
  disposeAll(backend, [windows, dyRows, product]);
  return dw;
}

/** `dy` `[b, OH, OW, c]` spread to `[b, (OH-1)*sh+1, (OW-1)*sw+1, c]` with zeros between. */
function upsampleWithZeros(
  backend: BackendWasm,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  const [b, oh, ow, c] = dy.shape;
  const uh = (oh - 1) * strideHeight + 1;
  const uw = (ow - 1) * strideWidth + 1;
  const out = backend.makeOutput([b, uh, uw, c], "float32");
  // Views are taken after the allocation: growing the wasm memory detaches older views.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  dst.fill(0);
  const rowIn = ow * c;
  const rowOut = uw * c;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      const srcRow = (n * oh + i) * rowIn;
      const dstRow = (n * uh + i * strideHeight) * rowOut;
      if (strideWidth === 1) {
        dst.set(src.subarray(srcRow, srcRow + rowIn), dstRow);
        continue;
      }
      for (let j = 0; j < ow; j++) {
        const s = srcRow + j * c;
        dst.set(src.subarray(s, s + c), dstRow + j * strideWidth * c);
      }
    }
  }
  return out;
}

/** Filter `[kh, kw, ci, co]` -> rotated by 180 degrees and channel-swapped `[kh, kw, co, ci]`. */
function flipAndSwapFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], "float32");
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const d0 = (i * kw + j) * co * ci;
      for (let a = 0; a < ci; a++) {
        for (let o = 0; o < co; o++) dst[d0 + o * ci + a] = src[s0 + a * co + o];
      }
    }
  }
  return out;
}

/** The stock wasm Conv2DBackpropInput, kept for padding layouts the fast path does not cover. */
let stockBackpropInput: KernelConfig | undefined;
const stockSetUpFor = new WeakSet<BackendWasm>();

function stockConv2DBackpropInput(
  args: {
    inputs: Conv2DBackpropInputInputs;
    backend: BackendWasm;
    attrs: Conv2DBackpropInputAttrs;
  },
): TensorInfo {
  if (stockBackpropInput == null) {
    throw new Error("wasm Conv2DBackpropInput: this padding needs the stock kernel, which is gone");
  }
  if (!stockSetUpFor.has(args.backend)) {
    stockBackpropInput.setupFunc?.(args.backend);
    stockSetUpFor.add(args.backend);
  }
  return stockBackpropInput.kernelFunc(
    args as unknown as Parameters<KernelFunc>[0],
  ) as TensorInfo;
}

/**
 * `Conv2DBackpropInput` on wasm: `dy` `[b, OH, OW, co]`, `filter` `[kh, kw, ci, co]` ->
 * `inputShape` `[b, H, W, ci]`.
 */
export function conv2DBackpropInputWasm(
  args: {
    inputs: Conv2DBackpropInputInputs;
    backend: BackendWasm;
    attrs: Conv2DBackpropInputAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = convInfoNhwc(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs,
    Conv2DBackpropInput,
  );
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const upHeight = (outHeight - 1) * strideHeight + 1;
  const upWidth = (outWidth - 1) * strideWidth + 1;
  const bottom = inHeight + filterHeight - 1 - upHeight - top;
  const right = inWidth + filterWidth - 1 - upWidth - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return stockConv2DBackpropInput(args);
  const temps: TensorInfo[] = [];
  let dyUp = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    dyUp = upsampleWithZeros(backend, dy, strideHeight, strideWidth);
    temps.push(dyUp);
  }
  const flipped = flipAndSwapFilter(backend, filter);
  temps.push(flipped);
  const pad: Pad4 = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const dx = runWasmKernel(backend, Conv2D, { x: dyUp, filter: flipped }, {
    strides: [1, 1],
    pad,
    dataFormat: "NHWC",
    dilations: [1, 1],
  } as unknown as NamedAttrMap);
  disposeAll(backend, temps);
  return dx;
}

/** Kernel config for the filter gradient. */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};

/** Kernel config for the input gradient; replaces the stock one. */
export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};

/**
 * Registers both kernels on the wasm backend, replacing the stock Conv2DBackpropInput
 * (unregistered first: tfjs warns when a kernel is registered twice). Idempotent.
 */
export function registerWasmConvGrads(): void {
  stockBackpropInput = replaceWasmKernel(conv2DBackpropInputWasmConfig) ?? stockBackpropInput;
  replaceWasmKernel(conv2DBackpropFilterWasmConfig);
}
