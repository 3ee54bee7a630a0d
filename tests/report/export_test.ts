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

Deno.test("exportFigures writes plotly.js once per folder, pages that load it, and an index of every page", async () => {
  const dir = `${tempDir()}/figures`;
  const files = await exportFigures(dir, [figure], { png: false, plotly: "/* stub */" });
  assert.deepEqual(files, ["plotly.min.js", "tiny_curve.html", "index.html"]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "index.html",
    "plotly.min.js",
    "tiny_curve.html",
  ]);
  assert.equal(Deno.readTextFileSync(`${dir}/plotly.min.js`), "/* stub */");
  const page = Deno.readTextFileSync(`${dir}/tiny_curve.html`);
  assert.doesNotMatch(page, /\/\* stub \*\//, "plotly.js is not inlined in the page");
  assert.deepEqual(page.match(/<script[^>]*\bsrc\s*=\s*"[^"]*"/gi), [
    '<script src="plotly.min.js"',
  ]);
  assert.deepEqual(embeddedSpec(page), { data: figure.data, layout: figure.layout });

  // A later call (another experiment) reuses the folder's plotly.js and the index grows.
  const second = { ...figure, name: "another", title: "Another" };
  const again = await exportFigures(dir, [second], { png: false, plotly: "/* stub */" });
  assert.deepEqual(again, ["another.html", "index.html"]);
  const index = Deno.readTextFileSync(`${dir}/index.html`);
  assert.deepEqual(index.match(/<script[^>]*\bsrc\s*=\s*"[^"]*"/gi), [
    '<script src="plotly.min.js"',
  ]);
  const specs = [...index.matchAll(/id="figure-spec-(\d+)">(.*?)<\/script>/gs)];
  assert.deepEqual(specs.map((m) => JSON.parse(m[2]).data[0].name), [
    figure.data[0].name, // another.html sorts first but holds the same data
    figure.data[0].name,
  ]);
  assert.ok(index.indexOf('href="another.html"') < index.indexOf('href="tiny_curve.html"'));
  assert.match(index, /<h1>Figures \(2\)<\/h1>/);
  // The hostile trace name stays inside its JSON element.
  assert.equal(index.match(/<\/script>/g)?.length, 4); // plotly, two specs, the drawing loop
});

Deno.test("exportFigures replaces a folder's plotly.js that differs from the package's", async () => {
  const dir = tempDir();
  Deno.writeTextFileSync(`${dir}/plotly.min.js`, "/* old */");
  const files = await exportFigures(dir, [figure], { png: false, plotly: "/* new */" });
  assert.ok(files.includes("plotly.min.js"));
  assert.equal(Deno.readTextFileSync(`${dir}/plotly.min.js`), "/* new */");
});

Deno.test("exportFigures refuses a figure name that is not a plain file stem", async () => {
  await assert.rejects(
    exportFigures(tempDir(), [{ ...figure, name: "../escape" }], { png: false, plotly: "" }),
    /plain file stem/,
  );
  const dir = tempDir();
  await assert.rejects(
    exportFigures(dir, [figure, { ...figure, name: "index" }], { png: false, plotly: "" }),
    /other than "index"/,
  );
  assert.deepEqual(
    [...Deno.readDirSync(dir)],
    [],
    "nothing is written before the names are checked",
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
