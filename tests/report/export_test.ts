import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  exportFigures,
  figureHtml,
  figureSize,
  findChromium,
  PLOTLY_VERSION,
  plotlyJs,
  renderPng,
} from "../../lib/report/export.ts";
import type { Figure } from "../../lib/report/figure.ts";
import { tempDir } from "../helpers.ts";

const figure: Figure = {
  name: "tiny_curve",
  title: "Tiny <curve>",
  data: [{
    type: "scatter",
    name: "evil </script><script>alert(1)</script>",
    x: [2, 5],
    y: [90, 72],
  }],
  layout: { width: 320, height: 240 },
};

/** The JSON embedded in the page, read back the way the page reads it. */
function embeddedSpec(html: string): unknown {
  const match = html.match(/<script type="application\/json" id="figure-spec">(.*?)<\/script>/s);
  assert.ok(match, "the page embeds the figure JSON");
  return JSON.parse(match[1]);
}

Deno.test("the exported page inlines plotly.js and the figure JSON, and loads no external script", async () => {
  const html = await figureHtml(figure);
  const plotly = await plotlyJs();
  assert.ok(plotly.length > 1_000_000, "the real plotly.min.js is read");
  assert.match(plotly, new RegExp(`plotly\\.js v${PLOTLY_VERSION.replaceAll(".", "\\.")}`));
  assert.ok(html.includes(plotly.slice(0, 2000)), "plotly.js is inlined");
  assert.deepEqual(embeddedSpec(html), { data: figure.data, layout: figure.layout });
  assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=/i);
  assert.doesNotMatch(html, /<link[^>]*\bhref\s*=/i);
  assert.match(html, /<title>Tiny &lt;curve&gt;<\/title>/);
});

Deno.test("a string in the figure cannot close the script element that holds the JSON", async () => {
  const html = await figureHtml(figure, { plotly: "/* stub */" });
  assert.equal(html.match(/<\/script>/g)?.length, 3); // plotly, spec, and the newPlot call
  assert.equal((embeddedSpec(html) as Figure).data[0].name, figure.data[0].name);
});

Deno.test("a static page turns off the mode bar for screenshots", async () => {
  assert.match(await figureHtml(figure, { plotly: "", static: true }), /"displayModeBar":false/);
  assert.doesNotMatch(await figureHtml(figure, { plotly: "" }), /"displayModeBar":false/);
});

Deno.test("a figure is drawn at its layout's size, else 760x480", () => {
  assert.deepEqual(figureSize(figure), { width: 320, height: 240 });
  assert.deepEqual(figureSize({ layout: {} }), { width: 760, height: 480 });
});

Deno.test("exportFigures writes <name>.html into the folder and returns the file names", async () => {
  const dir = `${tempDir()}/figures`;
  const files = await exportFigures(dir, [figure], { png: false, plotly: "/* stub */" });
  assert.deepEqual(files, ["tiny_curve.html"]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["tiny_curve.html"]);
  assert.match(Deno.readTextFileSync(`${dir}/tiny_curve.html`), /\/\* stub \*\//);
});

Deno.test("exportFigures refuses a figure name that is not a plain file stem", async () => {
  await assert.rejects(
    exportFigures(tempDir(), [{ ...figure, name: "../escape" }], { png: false, plotly: "" }),
    /plain file stem/,
  );
});

Deno.test("without a working chromium, renderPng returns undefined and says why", async () => {
  const reasons: string[] = [];
  const png = await renderPng("<p>x</p>", {
    chromium: "/nonexistent/chromium",
    onSkip: (r) => reasons.push(r),
  });
  assert.equal(png, undefined);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /no PNG: chromium \(\/nonexistent\/chromium\) did not run/);
});

const chromium = await findChromium();
Deno.test({
  name: `renderPng screenshots a figure page at the figure's size${
    chromium ? "" : " (ignored: chromium not on PATH)"
  }`,
  ignore: !chromium,
  fn: async () => {
    const png = await renderPng(await figureHtml(figure, { static: true }), figureSize(figure));
    assert.ok(png, "a PNG was rendered");
    const image = decode(png);
    assert.equal(image.width, 320);
    assert.equal(image.height, 240);
    // A plot was drawn: not every pixel is the page's white.
    assert.ok(image.data.some((v) => v < 200));
  },
});
