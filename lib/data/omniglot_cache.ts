/**
 * The decode cache of a release zip (`data/cache/`): its header and bit-packed ink, signed with
 * its own sha256 and naming the zip it came from, so a stale or corrupt cache is rebuilt, never
 * trusted.
 */
import { digest } from "./files.ts";
import { PACKED_IMAGE_BYTES } from "./images.ts";
import type { OmniglotSetName } from "./splits.ts";

const CACHE_MAGIC = new TextEncoder().encode("OMNIGLT1");
export const CACHE_VERSION = 1;

/** What a decoded release zip holds besides its images: its alphabets, characters and source. */
export interface CacheHeader {
  version: number;
  set: OmniglotSetName;
  sourceSha256: string;
  alphabets: { name: string; characters: { name: string; id: number }[] }[];
  images: number;
}

/** The cache file of a decoded split: signature, header, packed ink, sha256 of all that. */
export function encodeCache(header: CacheHeader, packed: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(CACHE_MAGIC.length + 4 + json.length + packed.length);
  body.set(CACHE_MAGIC, 0);
  new DataView(body.buffer).setUint32(CACHE_MAGIC.length, json.length, true);
  body.set(json, CACHE_MAGIC.length + 4);
  body.set(packed, CACHE_MAGIC.length + 4 + json.length);
  const sum = hexToBytes(digest(body));
  const out = new Uint8Array(body.length + sum.length);
  out.set(body);
  out.set(sum, body.length);
  return out;
}

/** The cached decode, or `undefined` when absent, corrupt or made from another zip. */
export async function readCache(
  path: string,
  set: OmniglotSetName,
  sourceSha256: string,
): Promise<{ header: CacheHeader; packed: Uint8Array } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const why = (reason: string) => {
    console.error(`cache ${path} ${reason}; rebuilding it.`);
    return undefined;
  };
  if (bytes.length < CACHE_MAGIC.length + 4 + 32) return why("is truncated");
  if (!CACHE_MAGIC.every((b, i) => bytes[i] === b)) return why("has a wrong signature");
  const body = bytes.subarray(0, bytes.length - 32);
  if (digest(body) !== bytesToHex(bytes.subarray(bytes.length - 32))) {
    return why("fails its checksum");
  }
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(
    CACHE_MAGIC.length,
    true,
  );
  const jsonStart = CACHE_MAGIC.length + 4;
  let header: CacheHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(jsonStart, jsonStart + jsonLength)));
  } catch {
    return why("has an unreadable header");
  }
  if (header.version !== CACHE_VERSION || header.set !== set) return why("is from another version");
  if (header.sourceSha256 !== sourceSha256) return why("was built from another zip");
  const packed = body.slice(jsonStart + jsonLength);
  if (packed.length !== header.images * PACKED_IMAGE_BYTES) return why("has a wrong payload size");
  return { header, packed };
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
