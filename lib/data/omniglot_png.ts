/** One Omniglot drawing: a 105x105 PNG decoded to bit-packed ink. */
import { decode } from "fast-png";
import { DataError } from "./errors.ts";
import { OMNIGLOT_SIZE, PACKED_IMAGE_BYTES, PACKED_ROW_BYTES } from "./images.ts";

/** Decode one PNG to packed ink bits (1 = ink), verifying it is 105x105. */
export function decodeOmniglotPng(bytes: Uint8Array, where: string): Uint8Array {
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new DataError(`${where}: not a valid PNG (${(err as Error).message}).`);
  }
  if (png.width !== OMNIGLOT_SIZE || png.height !== OMNIGLOT_SIZE) {
    throw new DataError(
      `${where}: image is ${png.width}x${png.height}, Omniglot images are 105x105.`,
    );
  }
  const out = new Uint8Array(PACKED_IMAGE_BYTES);
  const data = png.data;
  const channels = png.channels;
  if (png.depth === 1 && channels === 1 && !png.palette) {
    // Bit-packed rows, 1 = white: invert to 1 = ink and clear the padding bits.
    const pad = 0xff << (8 - (OMNIGLOT_SIZE % 8)) & 0xff;
    for (let y = 0; y < OMNIGLOT_SIZE; y++) {
      for (let b = 0; b < PACKED_ROW_BYTES; b++) {
        const v = ~data[y * PACKED_ROW_BYTES + b] & 0xff;
        out[y * PACKED_ROW_BYTES + b] = b === PACKED_ROW_BYTES - 1 ? v & pad : v;
      }
    }
    return out;
  }
  // Any other encoding: threshold luminance at half range (ink is dark).
  const max = (1 << png.depth) - 1;
  for (let y = 0; y < OMNIGLOT_SIZE; y++) {
    for (let x = 0; x < OMNIGLOT_SIZE; x++) {
      const p = y * OMNIGLOT_SIZE + x;
      let value: number;
      if (png.palette) value = (png.palette[data[p]] as number[])[0] / 255;
      else value = (data[p * channels] as number) / max;
      if (value < 0.5) out[y * PACKED_ROW_BYTES + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return out;
}
