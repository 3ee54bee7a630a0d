/**
 * Figures as files: a standalone HTML page with plotly.js inlined (opens offline, as
 * CONTRACT.md asks of `figures/*.html`), and a PNG of that page rendered by a headless
 * Chromium when one is installed. A missing Chromium only skips the PNG; it never fails a run.
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

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /** plotly.js source to inline; defaults to {@link plotlyJs}. Tests pass a stub. */
  plotly?: string;
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
 * A standalone HTML page drawing `fig` with plotly.js inlined: no external script, no
 * network. The figure JSON is embedded with `<` escaped so no string in it can close the
 * script element.
 */
export async function figureHtml(fig: Figure, options: FigureHtmlOptions = {}): Promise<string> {
  const plotly = options.plotly ?? await plotlyJs();
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
    `<!-- plotly.js ${PLOTLY_VERSION} (MIT), inlined so the page opens offline -->`,
    `<script>${plotly.replaceAll("</script", "<\\/script")}</script>`,
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
  /** plotly.js source to inline (tests). */
  plotly?: string;
}

/**
 * Write `<dir>/<name>.html` (and `<name>.png` when it can be rendered) for every figure,
 * atomically. Returns the file names written, relative to `dir`.
 */
export async function exportFigures(
  dir: string,
  figures: readonly Figure[],
  options: ExportFiguresOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  let pngSkipped: string | undefined;
  for (const fig of figures) {
    if (!/^[\w.-]+$/.test(fig.name)) {
      throw new RangeError(
        `exportFigures: figure name must be a plain file stem, got "${fig.name}"`,
      );
    }
    await writeFileAtomic(
      `${dir}/${fig.name}.html`,
      await figureHtml(fig, { plotly: options.plotly }),
    );
    written.push(`${fig.name}.html`);
    if (options.png === false || pngSkipped !== undefined) continue;
    const png = await renderPng(await figureHtml(fig, { plotly: options.plotly, static: true }), {
      ...figureSize(fig),
      onSkip: (reason) => pngSkipped = reason,
    });
    if (png) {
      await writeFileAtomic(`${dir}/${fig.name}.png`, png);
      written.push(`${fig.name}.png`);
    }
  }
  if (pngSkipped !== undefined) options.log?.(pngSkipped);
  return written;
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
