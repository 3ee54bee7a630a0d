/** The shipped miners by the names `config.triplet.miners` and `--miners` use. */
import { UsageError } from "../usage_error.ts";
import type { Rng } from "../rng.ts";
import { batchAllMiner } from "./batch_all.ts";
import { batchHardMiner } from "./batch_hard.ts";
import type { Miner } from "./miner.ts";
import { randomMiner } from "./random.ts";
import { semiHardMiner } from "./semi_hard.ts";

/** Names of the shipped miners. */
export const MINER_NAMES = ["batch-hard", "semi-hard", "batch-all", "random"] as const;
export type MinerName = typeof MINER_NAMES[number];

/** Options of {@link minerByName}. */
export interface MinerByNameOptions {
  /** The loss's margin (semi-hard needs it). */
  margin: number;
  /** Stream for the random miner. */
  rng: Rng;
}

/** The miner called `name`. @throws {RangeError} naming the choices. */
export function minerByName(name: string, options: MinerByNameOptions): Miner {
  switch (name) {
    case "batch-hard":
      return batchHardMiner;
    case "semi-hard":
      return semiHardMiner({ margin: options.margin });
    case "batch-all":
      return batchAllMiner;
    case "random":
      return randomMiner(options.rng);
  }
  throw new RangeError(`unknown miner "${name}"; choose one of ${MINER_NAMES.join(", ")}`);
}

/**
 * Parse `--miners a,b` into triplet miners (undefined: the profile's). Order is kept: it is
 * the order the models train in. @throws {UsageError} on an unknown, repeated or empty list.
 */
export function parseMiners(miners: string | undefined): MinerName[] | undefined {
  if (miners === undefined) return undefined;
  const names = miners.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new UsageError(
      `--miners "${miners}" names no miner; choose from ${MINER_NAMES.join(", ")} ` +
        `(or leave --miners out for the profile's)`,
    );
  }
  for (const [i, n] of names.entries()) {
    if (!(MINER_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(
        `unknown miner "${n}" in --miners; choose from ${MINER_NAMES.join(", ")}`,
      );
    }
    if (names.indexOf(n) !== i) throw new UsageError(`--miners names "${n}" twice`);
  }
  return names as MinerName[];
}
