import assert from "node:assert/strict";
import { unzipSync, zipSync } from "fflate";
import { encode } from "fast-png";
import { DataError } from "../../lib/data/errors.ts";
import { loadOmniglot } from "../../lib/data/omniglot.ts";
import { decodeOmniglotPng } from "../../lib/data/omniglot_png.ts";
import { decodeSplitZip } from "../../lib/data/omniglot_split.ts";
import { ensureOmniglotFiles } from "../../lib/data/omniglot_release.ts";
import { cacheDir } from "../../lib/data/paths.ts";
import { checkDigests } from "../../lib/data/omniglot_content.ts";
import { EXPECTED, TEST_ALPHABETS, VALIDATION_ALPHABETS } from "../../lib/data/splits.ts";
import { NO_OMNIGLOT, omniglotFolder, tempDir } from "../helpers.ts";

/** A 105x105 8-bit grey PNG, white with a black square at rows/cols 10-19. */
function squarePng(): Uint8Array {
  const data = new Uint8Array(105 * 105).fill(255);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) data[y * 105 + x] = 0;
  return encode({ width: 105, height: 105, data, channels: 1, depth: 8 });
}

Deno.test("a PNG decodes to ink = 1 where the drawing is dark", () => {
  const bits = decodeOmniglotPng(squarePng(), "square.png");
  const row10 = bits.subarray(10 * 14, 11 * 14);
  assert.equal(row10[1], 0b0011_1111); // x = 10..15
  assert.equal(row10[2], 0b1111_0000); // x = 16..19
  assert.equal(bits.subarray(0, 14).every((b) => b === 0), true);
});

Deno.test("a truncated PNG is a DataError naming the file", () => {
  const png = squarePng();
  assert.throws(
    () => decodeOmniglotPng(png.subarray(0, png.length - 30), "x/char/0001_01.png"),
    (err) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /0001_01\.png/);
      return true;
    },
  );
});

Deno.test("a PNG of the wrong size is rejected", () => {
  const png = encode({ width: 28, height: 28, data: new Uint8Array(784), channels: 1, depth: 8 });
  assert.throws(() => decodeOmniglotPng(png, "small.png"), /28x28/);
});

Deno.test("a zip with the wrong content is rejected with counts in the message", () => {
  const png = squarePng();
  const files: Record<string, Uint8Array> = {};
  for (let d = 1; d <= 20; d++) {
    files[`images_background/Latin/character01/0001_${String(d).padStart(2, "0")}.png`] = png;
  }
  assert.throws(() => decodeSplitZip("background", zipSync(files)), (err) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /found 1 alphabets and 1 characters, expected 30 and 964/);
    return true;
  });
});

Deno.test("a missing Omniglot folder named by OMNIGLOT_DIR is a DataError that says what to do", async () => {
  const empty = tempDir();
  await assert.rejects(() => ensureOmniglotFiles(empty), (err) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /OMNIGLOT_DIR/);
    return true;
  });
});

Deno.test({
  name: "the release decodes with the expected alphabets, characters and splits",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const o = await loadOmniglot({ size: 35 });
    assert.equal(o.background.alphabets.length, 30);
    assert.equal(o.background.characters.length, 964);
    assert.equal(
      Math.min(...o.background.alphabets.map((a) => a.characters.length)),
      EXPECTED.background.smallestAlphabet,
    );
    assert.equal(o.evaluation.alphabets.length, 20);
    assert.equal(o.evaluation.characters.length, 659);
    assert.equal(o.background.images.count, 964 * 20);
    assert.equal(o.evaluation.characters[0].id, 965);
    const names = o.evaluation.alphabets.map((a) => a.name);
    for (const a of [...TEST_ALPHABETS, ...VALIDATION_ALPHABETS]) assert.ok(names.includes(a), a);
    assert.equal(new Set([...TEST_ALPHABETS, ...VALIDATION_ALPHABETS]).size, 20);
    assert.equal(o.runs.length, 20);
    // Every image has some ink, and ink is sparse (dark strokes on a white page).
    const n = 35 * 35;
    for (let i = 0; i < o.background.images.count; i += 997) {
      const ink = o.background.images.pixels.subarray(i * n, (i + 1) * n).reduce(
        (a, b) => a + b,
        0,
      );
      assert.ok(ink > 5 && ink < 0.5 * n, `image ${i} ink ${ink}`);
    }
  },
});

Deno.test({
  name: "a corrupt cache is rebuilt, not trusted",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const cache = tempDir();
    const first = await loadOmniglot({ size: 35, cache });
    const path = `${cache}/omniglot-evaluation.v1.bin`;
    const bytes = Deno.readFileSync(path);
    bytes[bytes.length >> 1] ^= 0xff; // flip bits in the payload
    Deno.writeFileSync(path, bytes);
    const again = await loadOmniglot({ size: 35, cache });
    assert.deepEqual(again.evaluation.images.pixels, first.evaluation.images.pixels);
    assert.notDeepEqual(Deno.readFileSync(path), bytes, "the cache file was rewritten");
    Deno.removeSync(cache, { recursive: true });
  },
});

Deno.test("OMNIGLOT_DIR naming a file is a DataError that says to point it at the folder", async () => {
  const file = `${tempDir()}/omniglot.zip`;
  Deno.writeTextFileSync(file, "not a folder");
  await assert.rejects(() => ensureOmniglotFiles(file), (err) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /OMNIGLOT_DIR .*omniglot\.zip is a file, not a folder/);
    return true;
  });
});

Deno.test("checkDigests names the missing and unexpected alphabets and the changed characters", () => {
  const expected = { "A/character01": "1", "A/character02": "2", "Tengwar/character01": "3" };
  checkDigests("x.zip", { ...expected }, expected);
  assert.throws(
    () => checkDigests("x.zip", { ...expected, "A/character02": "9" }, expected),
    /x\.zip is not the Omniglot release: different drawings or ids in A\/character02/,
  );
  assert.throws(
    () =>
      checkDigests(
        "x.zip",
        { "A/character01": "1", "A/character02": "2", "Elvish/character01": "3" },
        expected,
      ),
    (err) => err instanceof DataError && /missing Tengwar; unexpected Elvish/.test(err.message),
  );
});

/** A copy of the Omniglot folder whose evaluation zip is `edit`ed, with a warm cache. */
async function editedCopy(edit: (files: Record<string, Uint8Array>) => void) {
  const src = omniglotFolder()!;
  const dir = tempDir();
  const cache = tempDir();
  for (const f of ["images_background.zip", "all_runs.zip"]) {
    Deno.copyFileSync(`${src}/${f}`, `${dir}/${f}`);
  }
  const files = unzipSync(Deno.readFileSync(`${src}/images_evaluation.zip`));
  edit(files);
  Deno.writeFileSync(`${dir}/images_evaluation.zip`, zipSync(files, { level: 0 }));
  // The background decode is the same whatever the evaluation zip holds: reuse it.
  const warm = `${cacheDir()}/omniglot-background.v1.bin`;
  try {
    Deno.copyFileSync(warm, `${cache}/omniglot-background.v1.bin`);
  } catch {
    await loadOmniglot({ size: 35, dir: src, cache });
  }
  return { dir, cache, before: [...Deno.readDirSync(cache)].map((e) => e.name).sort() };
}

Deno.test({
  name: "an evaluation zip with a renamed test alphabet (same counts) is refused naming it",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const { dir, cache, before } = await editedCopy((files) => {
      for (const k of Object.keys(files)) {
        if (k.includes("/Tengwar/")) {
          files[k.replace("/Tengwar/", "/Elvish/")] = files[k];
          delete files[k];
        }
      }
    });
    await assert.rejects(() => loadOmniglot({ size: 35, dir, cache }), (err) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /images_evaluation\.zip is not the Omniglot release/);
      assert.match(err.message, /missing Tengwar; unexpected Elvish/);
      return true;
    });
    // Nothing was cached from the wrong copy.
    assert.deepEqual([...Deno.readDirSync(cache)].map((e) => e.name).sort(), before);
  },
});

Deno.test({
  name: "a re-encoded copy with one drawing changed is refused naming the character",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const { dir, cache } = await editedCopy((files) => {
      const a = Object.keys(files).find((k) => /Tengwar\/character03\/\d+_05\.png$/.test(k))!;
      const b = Object.keys(files).find((k) => /Tengwar\/character03\/\d+_06\.png$/.test(k))!;
      [files[a], files[b]] = [files[b], files[a]];
    });
    await assert.rejects(
      () => loadOmniglot({ size: 35, dir, cache }),
      /different drawings or ids in Tengwar\/character03/,
    );
  },
});

Deno.test({
  name: "a decode cache path that is a folder is a DataError naming it, not a crash",
  ignore: NO_OMNIGLOT,
  fn: async () => {
    const cache = tempDir();
    Deno.mkdirSync(`${cache}/omniglot-background.v1.bin`);
    await assert.rejects(
      () => loadOmniglot({ size: 35, cache }),
      (err) =>
        err instanceof DataError && /omniglot-background\.v1\.bin is not a file/.test(err.message),
    );
  },
});
