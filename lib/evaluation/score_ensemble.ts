/**
 * An ensemble of one-shot models: in each trial, each model's similarities to the candidates are
 * standardised (minus their mean, over their standard deviation), so that a Siamese net's logits
 * and an embedding's negated distances weigh alike, and the ensemble's similarity is their mean.
 * The candidate with the highest mean is its answer.
 */
import type { TrialScores } from "./one_shot.ts";

/** The per-trial standardised mean of `members`' scores of the same trials. */
export function ensembleScores(members: readonly TrialScores[]): Float64Array[] {
  if (members.length === 0) throw new RangeError("ensembleScores: no members");
  const trials = members[0].length;
  for (const m of members) {
    if (m.length !== trials) {
      throw new RangeError(`ensembleScores: members score ${m.length} and ${trials} trials`);
    }
  }
  return Array.from({ length: trials }, (_, t) => {
    const ways = members[0][t].length;
    const out = new Float64Array(ways);
    for (const m of members) {
      const s = m[t];
      if (s.length !== ways) {
        throw new RangeError(`ensembleScores: trial ${t} has ${s.length} and ${ways} candidates`);
      }
      let mean = 0;
      for (let i = 0; i < ways; i++) mean += s[i];
      mean /= ways;
      let sq = 0;
      for (let i = 0; i < ways; i++) sq += (s[i] - mean) ** 2;
      // All candidates alike: this member has no say in this trial.
      const sd = Math.sqrt(sq / ways);
      if (sd === 0) continue;
      for (let i = 0; i < ways; i++) out[i] += (s[i] - mean) / sd / members.length;
    }
    return out;
  });
}
