/**
 * Progress bars for long loops. In a terminal a bar redraws in place on stderr; anywhere
 * else (CI logs, notebooks, pipes) it prints a line at every 10%, and at least every 30 s
 * of a slow or time-bounded loop, so logs stay readable and still show it is alive.
 */

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** What is being counted, shown before the bar. */
  label: string;
  /** Number of units at 100%. */
  total: number;
  /** Silence all output (tests). */
  quiet?: boolean;
  /** Clock in ms, passed in so tests can drive it. Defaults to `performance.now`. */
  now?: () => number;
  /** Draw in place as on a terminal; defaults to whether stderr is one. */
  tty?: boolean;
  /** Off a terminal, the longest wait between two lines, in seconds. Default 30. */
  heartbeatSeconds?: number;
}

/** A progress bar with rate and ETA. */
export class Progress {
  readonly label: string;
  readonly total: number;
  #done = 0;
  #start: number;
  #lastDraw = -Infinity;
  #lastDecile = -1;
  #quiet: boolean;
  #now: () => number;
  #tty: boolean;
  #extra = "";
  #heartbeatMs: number;

  constructor(options: ProgressOptions) {
    this.label = options.label;
    this.total = Math.max(1, options.total);
    this.#quiet = options.quiet ?? Deno.env.get("SIAMESE_QUIET") === "1";
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#tty = options.tty ?? isTerminal();
    this.#heartbeatMs = 1000 * (options.heartbeatSeconds ?? 30);
  }

  /** Units done so far. */
  get done(): number {
    return this.#done;
  }

  /** Seconds since the bar started. */
  get elapsed(): number {
    return (this.#now() - this.#start) / 1000;
  }

  /** Advance by `n` units; `extra` (e.g. "loss 0.41") is shown after the bar. */
  tick(n = 1, extra?: string): void {
    this.#done = Math.min(this.total, this.#done + n);
    if (extra !== undefined) this.#extra = extra;
    this.#draw(false);
  }

  /** Set the count directly (resumed runs). */
  set(done: number, extra?: string): void {
    this.#done = Math.min(this.total, Math.max(0, done));
    if (extra !== undefined) this.#extra = extra;
    this.#draw(false);
  }

  /** Finish the bar with a final line. */
  finish(extra?: string): void {
    if (extra !== undefined) this.#extra = extra;
    this.#draw(true);
  }

  /** The text of the bar as it would be drawn now. */
  render(): string {
    const frac = this.#done / this.total;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = this.elapsed;
    const rate = secs > 0 ? this.#done / secs : 0;
    const eta = rate > 0 ? (this.total - this.#done) / rate : NaN;
    return `${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ` +
      `${this.#done}/${this.total} ${(100 * frac).toFixed(0)}% ${formatSeconds(secs)}` +
      (this.#done < this.total && Number.isFinite(eta) ? ` eta ${formatSeconds(eta)}` : "") +
      (this.#extra ? `  ${this.#extra}` : "");
  }

  #draw(final: boolean): void {
    if (this.#quiet) return;
    const t = this.#now();
    if (this.#tty) {
      if (!final && t - this.#lastDraw < 100) return;
      this.#lastDraw = t;
      const line = this.render();
      Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line}${final ? "\n" : ""}`));
      return;
    }
    const decile = Math.floor((10 * this.#done) / this.total);
    if (final || decile > this.#lastDecile || t - this.#lastDraw >= this.#heartbeatMs) {
      this.#lastDecile = decile;
      this.#lastDraw = t;
      // In a notebook stderr shows as an error stream; progress is not an error.
      if (inJupyter()) console.log(this.render());
      else console.error(this.render());
    }
  }
}

/** `83.2s`, `4m05s`, `1h02m`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** True inside a Deno Jupyter kernel (`Deno.jupyter` is a getter that throws elsewhere). */
export function inJupyter(): boolean {
  try {
    return typeof (Deno as unknown as { jupyter?: unknown }).jupyter === "object";
  } catch {
    return false;
  }
}

function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
