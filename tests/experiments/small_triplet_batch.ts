import type { RunConfig } from "../../lib/config.ts";

/**
 * The standard profile's triplet block as it was before commit 8637af6 (16 characters a step, a
 * 30-min time net, its last weights rather than an average), which the older pinned hashes and
 * run identities were made with. Changes `config` in place and returns it.
 */
export function smallTripletBatch(config: RunConfig): RunConfig {
  config.triplet.batchCharacters = 16;
  config.triplet.maxSeconds = 30 * 60;
  config.triplet.weightAverage = undefined;
  return config;
}
