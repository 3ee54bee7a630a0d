/** The shipped miners by the names `config.triplet.miners` uses. */
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
