/**
 * Showing figures, tables and images from a notebook cell or a script alike. Inside a
 * Deno Jupyter kernel each `show*` sends a MIME bundle; VS Code renders
 * `application/vnd.plotly.v1+json` itself, JupyterLab without the plotly extension falls
 * back to the `image/png` (rendered by headless Chromium when installed), and everything
 * carries `text/plain`, which is what `deno run` prints.
 *
 * The bundle builders (`figureBundle`, `tableBundle`, `imagesBundle`) are pure, so tests
 * check what a notebook would receive without a kernel.
 *
 * @example
 * ```ts
 * await showTable(rows, ["method", "protocol", "ways", "accuracy", "paper_accuracy"]);
 * await showFigure(nWayCurveFigure(rows));
 * ```
 */
import { Buffer } from "node:buffer";
import { encode } from "fast-png";
import type { ImageSet } from "../data/images.ts";
import type { Figure } from "./figure.ts";
import { escapeHtml, figureHtml, figureSize, renderPng } from "./export.ts";
import { inJupyter } from "./progress.ts";
import { markdownTable } from "./tables.ts";

export { inJupyter };

/** A Jupyter MIME bundle: MIME type -> base64 string, text, or JSON object. */
export type MediaBundle = Record<string, string | object>;

/** Options of {@link figureBundle}. */
export interface FigureBundleOptions {
  /** A PNG rendering of the figure, for frontends without a plotly renderer. */
  png?: Uint8Array;
}

/** The bundle of a plotly figure: plotly JSON, optional PNG fallback, and a text summary. */
export function figureBundle(fig: Figure, options: FigureBundleOptions = {}): MediaBundle {
  const bundle: MediaBundle = {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
    "text/plain": figureText(fig),
  };
  if (options.png) bundle["image/png"] = base64(options.png);
  return bundle;
}

/** One line per trace: name and its (x, y) points, rounded. What a terminal sees of a figure. */
export function figureText(fig: Figure): string {
  const lines = [fig.title];
  for (const trace of fig.data) {
    const xs: unknown[] = Array.isArray(trace?.x) ? trace.x : [];
    const ys: unknown[] = Array.isArray(trace?.y) ? trace.y : [];
    const points = xs.map((x, i) => `${formatValue(x)}:${formatValue(ys[i])}`).join(" ");
    lines.push(`  ${String(trace?.name ?? trace?.type ?? "trace")}: ${points}`);
  }
  return lines.join("\n");
}

/** A row of a displayed table: column -> value (numbers shown with two decimals unless integers). */
export type TableRow = Record<string, unknown>;

/**
 * The bundle of a table: Markdown, HTML and aligned plain text. `columns` picks and
 * orders the columns (default: the keys of the first row).
 */
export function tableBundle(rows: readonly TableRow[], columns?: readonly string[]): MediaBundle {
  const cols = [...(columns ?? Object.keys(rows[0] ?? {}))];
  const cells = rows.map((r) => cols.map((c) => formatValue(r[c])));
  const html = [
    "<table>",
    `<thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...cells.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`),
    "</tbody>",
    "</table>",
  ].join("\n");
  return {
    "text/markdown": markdownTable(cols, cells),
    "text/html": html,
    "text/plain": plainTable(cols, cells),
  };
}

/** Options of {@link imagesBundle} and {@link showImages}. */
export interface ImagesOptions {
  /** Images per grid row for a single set (default: all in one row, at most 10). Ignored for an array of rows. */
  columns?: number;
  /** Caption under each image, in order over all images shown. */
  labels?: readonly string[];
  /** Label before each grid row, e.g. the alphabet of that row. */
  rowLabels?: readonly string[];
  /** Pixels per image pixel in the PNG and HTML (default 2). */
  scale?: number;
}

/** A grid: images of one size and, per grid row, the image indices it shows. */
interface Grid {
  size: number;
  /** Each image's pixels, `[size * size]`, ink = 1. */
  images: Float32Array[];
  rows: number[][];
}

/**
 * The bundle of a grid of ink = 1 images (`[count, size, size]`), drawn black on white
 * as the characters were drawn: an HTML table with captions, one PNG of the whole grid,
 * and ASCII art for terminals. A single set wraps every `columns` images; an array of
 * sets shows one grid row per set (shorter rows end early).
 */
export function imagesBundle(
  images: ImageSet | readonly ImageSet[],
  options: ImagesOptions = {},
): MediaBundle {
  const grid = toGrid(images, options.columns);
  if (options.labels && options.labels.length !== grid.images.length) {
    throw new RangeError(
      `showImages: ${options.labels.length} labels for ${grid.images.length} images`,
    );
  }
  const scale = Math.max(1, Math.floor(options.scale ?? 2));
  const html = ['<table style="border-collapse:collapse">'];
  grid.rows.forEach((row, r) => {
    html.push("<tr>");
    if (options.rowLabels) {
      html.push(
        `<th style="text-align:right;padding-right:8px">${
          escapeHtml(options.rowLabels[r] ?? "")
        }</th>`,
      );
    }
    for (const i of row) {
      const src = `data:image/png;base64,${base64(gridPng({ ...grid, rows: [[i]] }, scale))}`;
      const caption = options.labels
        ? `<br><small>${escapeHtml(options.labels[i] ?? "")}</small>`
        : "";
      html.push(
        `<td style="text-align:center;padding:2px"><img src="${src}" width="${
          grid.size * scale
        }" ` +
          `style="image-rendering:pixelated;border:1px solid #ddd">${caption}</td>`,
      );
    }
    html.push("</tr>");
  });
  html.push("</table>");
  return {
    "text/html": html.join(""),
    "image/png": base64(gridPng(grid, scale)),
    "text/plain": gridText(grid, options.rowLabels),
  };
}

function toGrid(images: ImageSet | readonly ImageSet[], columns?: number): Grid {
  const sets: readonly ImageSet[] = isImageSetArray(images) ? images : [images];
  if (sets.length === 0) throw new RangeError("showImages: no image sets");
  const size = sets[0].size;
  const list: Float32Array[] = [];
  const perSet = sets.map((set) => {
    if (set.size !== size) {
      throw new RangeError(`showImages: image sizes differ (${size} and ${set.size})`);
    }
    if (set.count < 1) throw new RangeError("showImages: an image set is empty");
    const n = size * size;
    if (set.pixels.length !== set.count * n) {
      throw new RangeError(
        `showImages: pixels has ${set.pixels.length} values, expected count*size*size = ${
          set.count * n
        }`,
      );
    }
    const start = list.length;
    for (let i = 0; i < set.count; i++) list.push(set.pixels.subarray(i * n, (i + 1) * n));
    return Array.from({ length: set.count }, (_, i) => start + i);
  });
  if (isImageSetArray(images)) return { size, images: list, rows: perSet };
  const cols = Math.max(1, Math.floor(columns ?? Math.min(list.length, 10)));
  const rows: number[][] = [];
  for (let i = 0; i < list.length; i += cols) rows.push(perSet[0].slice(i, i + cols));
  return { size, images: list, rows };
}

/** PNG of the grid, ink black on white on a white page, each cell framed by a 2-pixel grey gap. */
function gridPng(grid: Grid, scale: number): Uint8Array {
  const cell = grid.size * scale;
  const gap = grid.images.length > 1 ? 2 : 0;
  const cols = Math.max(...grid.rows.map((r) => r.length));
  const width = cols * (cell + gap) + gap;
  const height = grid.rows.length * (cell + gap) + gap;
  const data = new Uint8Array(width * height).fill(255);
  const cells = grid.rows.flatMap((row, r) =>
    row.map((index, c) => ({ index, x0: gap + c * (cell + gap), y0: gap + r * (cell + gap) }))
  );
  for (const { x0, y0 } of cells) {
    for (let y = y0 - gap; y < y0 + cell + gap; y++) {
      data.fill(200, y * width + x0 - gap, y * width + x0 + cell + gap);
    }
  }
  for (const { index, x0, y0 } of cells) {
    const pixels = grid.images[index];
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const ink = pixels[Math.floor(y / scale) * grid.size + Math.floor(x / scale)];
        data[(y0 + y) * width + x0 + x] = Math.round(255 * (1 - Math.min(1, Math.max(0, ink))));
      }
    }
  }
  return encode({ width, height, data, channels: 1, depth: 8 });
}

/** ASCII art of the grid: `#` where a block of the image holds ink, at most 18 characters a side. */
function gridText(grid: Grid, rowLabels?: readonly string[]): string {
  const { size } = grid;
  const step = Math.ceil(size / 18);
  const side = Math.ceil(size / step);
  const art = (pixels: Float32Array, row: number) => {
    let line = "";
    for (let col = 0; col < side; col++) {
      let ink = 0, n = 0;
      for (let y = row * step; y < Math.min(size, (row + 1) * step); y++) {
        for (let x = col * step; x < Math.min(size, (col + 1) * step); x++) {
          ink += pixels[y * size + x];
          n++;
        }
      }
      line += ink / n > 0.1 ? "#" : ".";
    }
    return line;
  };
  const out: string[] = [`${grid.images.length} images, ${size}x${size}`];
  grid.rows.forEach((row, r) => {
    if (rowLabels?.[r]) out.push(rowLabels[r]);
    for (let line = 0; line < side; line++) {
      out.push(row.map((i) => art(grid.images[i], line)).join(" "));
    }
  });
  return out.join("\n");
}

/** Options of {@link showFigure}. */
export interface ShowFigureOptions {
  /**
   * PNG fallback: `true` renders one with Chromium when running in Jupyter (the default),
   * `false` sends none, bytes send those.
   */
  png?: boolean | Uint8Array;
}

/** Show a plotly figure: interactive in VS Code, a PNG in plain JupyterLab, text under `deno run`. */
export async function showFigure(fig: Figure, options: ShowFigureOptions = {}): Promise<void> {
  if (!inJupyter()) return print(figureText(fig));
  let png: Uint8Array | undefined;
  if (options.png instanceof Uint8Array) png = options.png;
  else if (options.png ?? true) {
    png = await renderPng(await figureHtml(fig, { static: true }), { ...figureSize(fig) });
  }
  await display(figureBundle(fig, { png }));
}

/** Show a table (Markdown/HTML in a notebook, aligned text under `deno run`). */
export async function showTable(
  rows: readonly TableRow[],
  columns?: readonly string[],
): Promise<void> {
  const bundle = tableBundle(rows, columns);
  if (!inJupyter()) return print(bundle["text/plain"] as string);
  await display(bundle);
}

/** Show a grid of ink = 1 images (`[count, size, size]`); an array of sets is one row per set. */
export async function showImages(
  images: ImageSet | readonly ImageSet[],
  options: ImagesOptions = {},
): Promise<void> {
  const bundle = imagesBundle(images, options);
  if (!inJupyter()) return print(bundle["text/plain"] as string);
  await display(bundle);
}

/**
 * Wait ~50 ms so a cell's console output is flushed before the cell ends: under
 * nbconvert, output printed at the very end of a cell otherwise drifts into the next.
 * End every cell that prints with `await settle()`.
 */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function display(bundle: MediaBundle): Promise<void> {
  await Deno.jupyter.display(bundle, { raw: true });
  await settle();
}

function print(text: string): void {
  console.log(text);
}

function isImageSetArray(images: ImageSet | readonly ImageSet[]): images is readonly ImageSet[] {
  return Array.isArray(images);
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "";
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
  return String(value);
}

function plainTable(columns: readonly string[], cells: readonly string[][]): string {
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (r: readonly string[]) => r.map((v, j) => v.padEnd(widths[j])).join("  ").trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join(
    "\n",
  );
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
