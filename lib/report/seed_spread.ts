/**
 * The spread of a model's accuracy over training seeds (`deno task seeds`): one run per seed
 * gives one accuracy per model and protocol; this gathers them into mean, sample standard
 * deviation, min and max, so a difference between two methods can be read against how much one
 * method moves when only its seed changes.
 */
import { deviation, max, mean, min } from "d3-array";
import type { OneShotRow, VerificationRow } from "./tables.ts";
import { markdownTable, toCsv } from "./tables.ts";

/** The models `seeds` trains, by the method name their rows carry. */
export const SEED_MODELS = [
  { model: "siamese", method: "siamese-bce" },
  { model: "triplet-batch-hard", method: "triplet-batch-hard" },
] as const;

/**
 * The protocols gathered: the two 20-way one-shot tests, koch-val (the validation trials every
 * setting is chosen on, so a study's difference can be read against the seeds' spread there) and
 * verification (`verification.csv`).
 */
export const SEED_PROTOCOLS = ["lake-runs", "koch-400", "koch-val", "verification"] as const;

/** One seed's result rows. */
export interface SeedRows {
  seed: number;
  oneShot: readonly OneShotRow[];
  verification: readonly VerificationRow[];
}

/** One model on one protocol across the seeds. */
export interface SpreadRow {
  model: string;
  method: string;
  protocol: string;
  /** Accuracy (%) per seed, in the order of the seeds given. */
  accuracies: { seed: number; accuracy: number }[];
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  min: number;
  max: number;
}

/**
 * The spread of each model on each protocol that every seed has a row for. A protocol some
 * seed lacks is left out rather than averaged over fewer seeds.
 * @throws {RangeError} with fewer than two seeds (no sample deviation).
 */
export function seedSpread(seeds: readonly SeedRows[]): SpreadRow[] {
  if (seeds.length < 2) {
    throw new RangeError(`seedSpread needs two seeds or more, got ${seeds.length}`);
  }
  const out: SpreadRow[] = [];
  for (const { model, method } of SEED_MODELS) {
    for (const protocol of SEED_PROTOCOLS) {
      const accuracies = seeds.map((s) => ({
        seed: s.seed,
        accuracy: accuracyOf(s, method, protocol),
      }));
      if (accuracies.some((a) => a.accuracy === undefined)) continue;
      const values = accuracies.map((a) => a.accuracy!);
      out.push({
        model,
        method,
        protocol,
        accuracies: accuracies as { seed: number; accuracy: number }[],
        mean: mean(values)!,
        sd: deviation(values)!,
        min: min(values)!,
        max: max(values)!,
      });
    }
  }
  return out;
}

function accuracyOf(rows: SeedRows, method: string, protocol: string): number | undefined {
  if (protocol === "verification") {
    // The main model's row; Table 1's fixed-pool models carry other method names.
    return rows.verification.find((r) => r.method === method)?.accuracy;
  }
  return rows.oneShot.find((r) => r.method === method && r.protocol === protocol)?.accuracy;
}

/** `seeds.csv`: fixed columns, then one `seed_<N>` column per seed in the order given. */
export function seedSpreadCsv(rows: readonly SpreadRow[], seeds: readonly number[]): string {
  const columns = ["model", "method", "protocol", "seeds", "mean", "sd", "min", "max"];
  const seedColumns = seeds.map((s) => `seed_${s}`);
  const records = rows.map((r) => ({
    model: r.model,
    method: r.method,
    protocol: r.protocol,
    seeds: r.accuracies.length,
    mean: r.mean.toFixed(2),
    sd: r.sd.toFixed(2),
    min: r.min.toFixed(2),
    max: r.max.toFixed(2),
    ...Object.fromEntries(r.accuracies.map((a) => [`seed_${a.seed}`, a.accuracy.toFixed(2)])),
  }));
  return toCsv([...columns, ...seedColumns], records);
}

/** The Markdown table of `seeds.md` (and of the task's stdout). */
export function seedSpreadTable(rows: readonly SpreadRow[], seeds: readonly number[]): string {
  return markdownTable(
    ["model", "protocol", ...seeds.map((s) => `seed ${s}`), "mean", "sd", "min", "max"],
    rows.map((r) => [
      r.model,
      r.protocol,
      ...r.accuracies.map((a) => a.accuracy.toFixed(2)),
      r.mean.toFixed(2),
      r.sd.toFixed(2),
      r.min.toFixed(2),
      r.max.toFixed(2),
    ]),
  );
}
