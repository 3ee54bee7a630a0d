/**
 * Figures as files. A figures folder holds one copy of plotly.js (`plotly.min.js`), one
 * `<name>.html` page per figure that loads it by a relative path (so the folder opens offline,
 * as docs/interface.md says of `figures/*.html`, and can be moved or zipped whole), an `index.html`
 * drawing every figure of the folder, and a PNG of each figure rendered by a headless Chromium
 * when one is installed. A missing Chromium only skips the PNGs; it never fails a run.
 * Inlining plotly.js in every page cost 4.56 MB per figure (36 MB for a quick run).
 *
 * @example
 * ```ts
 * const html = await figureHtml(fig);
 * const png = await renderPng(html, { width: 760, height: 480, onSkip: console.log });
 * ```
 */
import plotlyPackage from "plotly.js-dist-min/package.json" with { type: "json" };
import { createRequire } from "node:module";
import { writeFileAtomic } from "../data/files.ts";
import type { Figure } from "./figure.ts";
import { childEnv } from "../child_env.ts";

/** Version of the plotly.js bundle inlined in every exported page. */
export const PLOTLY_VERSION: string = plotlyPackage.version;

/** Size a figure is drawn at when its layout does not say (the n-way curve's size). */
export const DEFAULT_SIZE = { width: 760, height: 480 } as const;

let plotlySource: Promise<string> | undefined;

/**
 * The text of `plotly.min.js` from the `plotly.js-dist-min` npm package, read once.
 * Resolved like Node resolves it from this file, so it works from any working directory
 * (notebooks run inside `notebooks/`).
 */
export function plotlyJs(): Promise<string> {
  return plotlySource ??= (async () => {
    const path = createRequire(import.meta.url).resolve("plotly.js-dist-min/plotly.min.js");
    return await Deno.readTextFile(path);
  })();
}

/** File name of the one plotly.js copy in a figures folder. */
export const PLOTLY_FILE = "plotly.min.js";

/** File name of the page that draws every figure of a figures folder. */
export const INDEX_FILE = "index.html";

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /** plotly.js source to inline; defaults to {@link plotlyJs}. Tests pass a stub. */
  plotly?: string;
  /**
   * Load plotly.js from this (relative) URL instead of inlining it: the page then opens
   * offline only beside that file, as in a figures folder written by {@link exportFigures}.
   */
  plotlySrc?: string;
  /** Drop the mode bar and interactions: the page is meant to be screenshotted. */
  static?: boolean;
}

/** `width` and `height` of `fig` in pixels (its layout's, else {@link DEFAULT_SIZE}). */
export function figureSize(fig: Pick<Figure, "layout">): { width: number; height: number } {
  const w = Number(fig.layout?.width), h = Number(fig.layout?.height);
  return {
    width: Number.isFinite(w) && w > 0 ? Math.round(w) : DEFAULT_SIZE.width,
    height: Number.isFinite(h) && h > 0 ? Math.round(h) : DEFAULT_SIZE.height,
  };
}

/**
 * An HTML page drawing `fig`: standalone with plotly.js inlined (no external script, no
 * network), or loading plotly.js from `options.plotlySrc`. The figure JSON is embedded with
 * `<` escaped so no string in it can close the script element.
 */
export async function figureHtml(fig: Figure, options: FigureHtmlOptions = {}): Promise<string> {
  const plotlyScript = options.plotlySrc !== undefined
    ? `<script src="${escapeHtml(options.plotlySrc)}"></script>`
    : `<script>${
      (options.plotly ?? await plotlyJs()).replaceAll("</script", "<\\/script")
    }</script>`;
  const plotlyNote = options.plotlySrc !== undefined
    ? `<!-- plotly.js ${PLOTLY_VERSION} (MIT), from ${PLOTLY_FILE} beside this page -->`
    : `<!-- plotly.js ${PLOTLY_VERSION} (MIT), inlined so the page opens offline -->`;
  const spec = scriptSafeJson({ data: fig.data, layout: fig.layout });
  const config = scriptSafeJson(
    options.static
      ? { staticPlot: true, displayModeBar: false }
      : { responsive: true, displaylogo: false },
  );
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${escapeHtml(fig.title)}</title>`,
    plotlyNote,
    plotlyScript,
    "</head>",
    '<body style="margin:0;background:#fff">',
    `<div id="figure"></div>`,
    `<script type="application/json" id="figure-spec">${spec}</script>`,
    "<script>",
    '  const spec = JSON.parse(document.getElementById("figure-spec").textContent);',
    `  Plotly.newPlot("figure", spec.data, spec.layout, ${config});`,
    "</script>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Viewport width in pixels (the figure's width). */
  width?: number;
  /** Viewport height in pixels. */
  height?: number;
  /** Chromium executable; defaults to `CHROMIUM` or the first of chromium, chromium-browser, google-chrome on PATH. */
  chromium?: string;
  /** Give up after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Told why no PNG was made (Chromium missing, crashed, timed out). */
  onSkip?: (reason: string) => void;
}

/**
 * Screenshot `html` with a headless Chromium. Returns `undefined` (and tells `onSkip` why)
 * when Chromium is missing or fails: a PNG is a convenience, never a reason to fail a run.
 */
export async function renderPng(
  html: string,
  options: RenderPngOptions = {},
): Promise<Uint8Array | undefined> {
  const skip = (reason: string) => {
    options.onSkip?.(reason);
    return undefined;
  };
  const chromium = options.chromium ?? await findChromium();
  if (!chromium) {
    return skip(
      "no PNG: chromium not found on PATH (apt-get install -y chromium, or set CHROMIUM)",
    );
  }
  const width = options.width ?? DEFAULT_SIZE.width;
  const height = options.height ?? DEFAULT_SIZE.height;
  const dir = await Deno.makeTempDir({ prefix: "siamese-png-" });
  try {
    const page = `${dir}/figure.html`;
    const png = `${dir}/figure.png`;
    await Deno.writeTextFile(page, html);
    const command = new Deno.Command(chromium, {
      args: [
        "--headless",
        // The sandbox cannot start as root or in most containers; the page is our own file.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        `--user-data-dir=${dir}/profile`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        `file://${page}`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      ...childEnv(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    let output: Deno.CommandOutput;
    try {
      output = await command.output();
    } catch (err) {
      return skip(`no PNG: chromium (${chromium}) did not run: ${(err as Error).message}`);
    }
    try {
      return await Deno.readFile(png);
    } catch {
      const tail = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" | ");
      return skip(`no PNG: chromium exited with code ${output.code} without a screenshot: ${tail}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The Chromium executable to use, or `undefined` when none is installed. */
export async function findChromium(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("CHROMIUM");
  if (fromEnv) return fromEnv;
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    for (const dir of dirs) {
      try {
        const info = await Deno.stat(`${dir}/${name}`);
        if (info.isFile) return `${dir}/${name}`;
      } catch {
        // not in this PATH entry
      }
    }
  }
  return undefined;
}

/** Options of {@link exportFigures}. */
export interface ExportFiguresOptions {
  /** Also write `<name>.png` when Chromium is available (default true). */
  png?: boolean;
  /** Where to say that a PNG was skipped, once per call. */
  log?: (line: string) => void;
  /** plotly.js source to write as the folder's `plotly.min.js` (tests pass a stub). */
  plotly?: string;
}

/**
 * Write `<dir>/<name>.html` (and `<name>.png` when it can be rendered) for every figure,
 * `<dir>/plotly.min.js` when the folder's copy is missing or differs, and `<dir>/index.html`
 * drawing every figure page of the folder (this call's and earlier ones'), each atomically.
 * Every name is checked before anything is written. Returns the file names written,
 * relative to `dir`.
 */
export async function exportFigures(
  dir: string,
  figures: readonly Figure[],
  options: ExportFiguresOptions = {},
): Promise<string[]> {
  for (const fig of figures) {
    if (!/^[\w.-]+$/.test(fig.name) || `${fig.name}.html` === INDEX_FILE) {
      throw new RangeError(
        `exportFigures: figure name must be a plain file stem other than "index", got "${fig.name}"`,
      );
    }
  }
  const written: string[] = [];
  const plotly = options.plotly ?? await plotlyJs();
  if (await readTextOrUndefined(`${dir}/${PLOTLY_FILE}`) !== plotly) {
    await writeFileAtomic(`${dir}/${PLOTLY_FILE}`, plotly);
    written.push(PLOTLY_FILE);
  }
  let pngSkipped: string | undefined;
  for (const fig of figures) {
    await writeFileAtomic(
      `${dir}/${fig.name}.html`,
      await figureHtml(fig, { plotlySrc: PLOTLY_FILE }),
    );
    written.push(`${fig.name}.html`);
    if (options.png === false || pngSkipped !== undefined) continue;
    // The screenshot is taken of a temporary page, so it carries plotly.js inline.
    const png = await renderPng(await figureHtml(fig, { plotly, static: true }), {
      ...figureSize(fig),
      onSkip: (reason) => pngSkipped = reason,
    });
    if (png) {
      await writeFileAtomic(`${dir}/${fig.name}.png`, png);
      written.push(`${fig.name}.png`);
    }
  }
  if (pngSkipped !== undefined) options.log?.(pngSkipped);
  await writeFileAtomic(`${dir}/${INDEX_FILE}`, await indexHtml(dir));
  written.push(INDEX_FILE);
  return written;
}

/** A figure page of a figures folder, as {@link indexHtml} reads it back. */
interface FigurePage {
  file: string;
  title: string;
  /** The page's embedded `{data, layout}` JSON, still script-safe. */
  spec?: string;
}

/**
 * The folder's `index.html`: every `<name>.html` figure page of `dir` drawn on one page with
 * the folder's one plotly.js, in file-name order, each linked to its own page and PNG. A page
 * whose figure JSON cannot be found (not written by {@link figureHtml}) is only linked.
 */
export async function indexHtml(dir: string): Promise<string> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (
      e.isFile && e.name.endsWith(".html") && e.name !== INDEX_FILE && !e.name.includes(".tmp-")
    ) {
      names.push(e.name);
    }
  }
  names.sort();
  const pngs = new Set<string>();
  for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".png")) pngs.add(e.name);
  const pages: FigurePage[] = [];
  for (const file of names) {
    const html = await Deno.readTextFile(`${dir}/${file}`);
    const spec = html.match(/<script type="application\/json" id="figure-spec">(.*?)<\/script>/s);
    const title = html.match(/<title>(.*?)<\/title>/s);
    pages.push({ file, title: title ? title[1] : escapeHtml(file), spec: spec?.[1] });
  }
  const body = pages.flatMap((p, i) => {
    const png = p.file.replace(/\.html$/, ".png");
    // Several figures share a title (each experiment's n-way curve), so the file names it.
    const links = [`<a href="${escapeHtml(p.file)}">${escapeHtml(p.file)}</a>`];
    if (pngs.has(png)) links.push(`<a href="${escapeHtml(png)}">PNG</a>`);
    return [
      `<section id="${escapeHtml(p.file.replace(/\.html$/, ""))}">`,
      `<h2>${p.title} <small>(${links.join(", ")})</small></h2>`,
      p.spec === undefined
        ? "<p>(no figure data in this page; open it by its link)</p>"
        : `<div id="figure-${i}"></div>\n<script type="application/json" id="figure-spec-${i}">${p.spec}</script>`,
      "</section>",
    ];
  });
  const drawn = pages.flatMap((p, i) => p.spec === undefined ? [] : [i]);
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    "<title>Figures</title>",
    `<!-- plotly.js ${PLOTLY_VERSION} (MIT), from ${PLOTLY_FILE} beside this page -->`,
    `<script src="${PLOTLY_FILE}"></script>`,
    "<style>body{font-family:sans-serif;margin:1em;background:#fff}h2{font-size:1.1em}" +
    "small{font-weight:normal}</style>",
    "</head>",
    "<body>",
    `<h1>Figures (${pages.length})</h1>`,
    ...body,
    "<script>",
    `  for (const i of ${JSON.stringify(drawn)}) {`,
    '    const spec = JSON.parse(document.getElementById("figure-spec-" + i).textContent);',
    '    Plotly.newPlot("figure-" + i, spec.data, spec.layout, { responsive: true, displaylogo: false });',
    "  }",
    "</script>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** JSON that is safe inside a `<script>` element. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll("\u2028", "\\u2028")
    .replaceAll(
      "\u2029",
      "\\u2029",
    );
}

/** `&`, `<`, `>`, `"` escaped for HTML text and attributes. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}
