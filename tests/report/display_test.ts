import assert from "node:assert/strict";
import { decode } from "fast-png";
import { Buffer } from "node:buffer";
import {
  figureBundle,
  figureText,
  imagesBundle,
  inJupyter,
  showTable,
  tableBundle,
} from "../../lib/report/display.ts";
import type { Figure } from "../../lib/report/figure.ts";
import type { ImageSet } from "../../lib/data/images.ts";

const figure: Figure = {
  name: "tiny",
  title: "Tiny curve",
  data: [{ type: "scatter", name: "model", x: [2, 5], y: [90, 72.346] }],
  layout: { width: 300, height: 200 },
};

/** Two 2x2 images: the first has ink only top-left, the second is all ink. */
const twoImages: ImageSet = {
  size: 2,
  count: 2,
  pixels: new Float32Array([1, 0, 0, 0, 1, 1, 1, 1]),
};

const pngOf = (bundle: Record<string, unknown>) =>
  decode(Buffer.from(bundle["image/png"] as string, "base64"));

Deno.test("a figure bundle carries the plotly JSON and a text summary, and a PNG only when given one", () => {
  const bundle = figureBundle(figure);
  assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.plotly.v1+json", "text/plain"]);
  assert.deepEqual(bundle["application/vnd.plotly.v1+json"], {
    data: figure.data,
    layout: figure.layout,
  });
  const png = new Uint8Array([137, 80, 78, 71]);
  const withPng = figureBundle(figure, { png });
  assert.equal(withPng["image/png"], "iVBORw==");
});

Deno.test("a figure's text form names each trace with its points, rounded to two decimals", () => {
  assert.equal(figureText(figure), "Tiny curve\n  model: 2:90 5:72.35");
});

Deno.test("a table bundle has Markdown, HTML and aligned text with the columns asked for, in order", () => {
  const bundle = tableBundle([{ method: "1-nn", accuracy: 21.7, trials: 400, note: "<b>" }], [
    "trials",
    "method",
    "accuracy",
  ]);
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/markdown", "text/plain"]);
  assert.equal(
    bundle["text/markdown"],
    "| trials | method | accuracy |\n| --- | --- | --- |\n| 400 | 1-nn | 21.70 |",
  );
  assert.equal(
    bundle["text/plain"],
    "trials  method  accuracy\n------  ------  --------\n400     1-nn    21.70",
  );
  assert.match(bundle["text/html"] as string, /<th>trials<\/th><th>method<\/th><th>accuracy<\/th>/);
  assert.doesNotMatch(bundle["text/html"] as string, /note/);
});

Deno.test("table cells are HTML-escaped and missing values are empty", () => {
  const bundle = tableBundle([{ a: "<script>", b: undefined }]);
  assert.match(bundle["text/html"] as string, /<td>&lt;script&gt;<\/td><td><\/td>/);
});

Deno.test("an image grid PNG draws ink black on white, cell by cell, framed by grey gaps", () => {
  const bundle = imagesBundle(twoImages, { scale: 1 });
  assert.deepEqual(Object.keys(bundle).sort(), ["image/png", "text/html", "text/plain"]);
  const png = pngOf(bundle);
  // 2 cells of 2 px, gap 2 around and between: 2 + 2 + 2 + 2 + 2 = 10 wide, 2 + 2 + 2 = 6 high.
  assert.equal(png.width, 10);
  assert.equal(png.height, 6);
  const at = (x: number, y: number) => png.data[y * png.width + x];
  assert.equal(at(0, 0), 200); // gap
  assert.equal(at(2, 2), 0); // first image, ink
  assert.equal(at(3, 2), 255); // first image, no ink
  assert.equal(at(6, 3), 0); // second image, all ink
});

Deno.test("an array of image sets is one grid row per set, shorter rows ending early on white", () => {
  const one: ImageSet = { size: 2, count: 1, pixels: new Float32Array([1, 1, 1, 1]) };
  const bundle = imagesBundle([one, twoImages], { scale: 1, rowLabels: ["query", "candidates"] });
  const png = pngOf(bundle);
  assert.equal(png.width, 10);
  assert.equal(png.height, 10);
  assert.equal(png.data[2 * 10 + 7], 255); // right of the lone query: page, not a cell
  const html = bundle["text/html"] as string;
  assert.equal(html.match(/<tr>/g)?.length, 2);
  assert.equal(html.match(/<img /g)?.length, 3);
  assert.match(html, /<th[^>]*>query<\/th>/);
});

Deno.test("the text form of images is ASCII art with # where there is ink", () => {
  const bundle = imagesBundle(twoImages, { columns: 2 });
  assert.equal(bundle["text/plain"], "2 images, 2x2\n#. ##\n.. ##");
});

Deno.test("image inputs are checked: labels must match the images and sizes must agree", () => {
  assert.throws(() => imagesBundle(twoImages, { labels: ["a"] }), /1 labels for 2 images/);
  const big: ImageSet = { size: 3, count: 1, pixels: new Float32Array(9) };
  assert.throws(() => imagesBundle([twoImages, big]), /image sizes differ/);
  assert.throws(
    () => imagesBundle({ size: 2, count: 2, pixels: new Float32Array(4) }),
    /expected count\*size\*size = 8/,
  );
});

Deno.test("outside a Jupyter kernel, showTable prints the plain-text table", async () => {
  assert.equal(inJupyter(), false);
  const printed: unknown[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => printed.push(...args);
  try {
    await showTable([{ n: 1 }]);
  } finally {
    console.log = original;
  }
  assert.deepEqual(printed, ["n\n-\n1"]);
});
