/**
 * The Markdown table of the ensembles over seeds (lib/experiments/seed_ensemble.ts) in
 * `seeds.md`: one line per row method, one column per protocol, in the order the rows came.
 */
import { formatAccuracy, markdownTable, type OneShotRow } from "./tables.ts";

/** Methods down, protocols across; a protocol a method has no row for reads "-". */
export function seedEnsembleTable(rows: readonly OneShotRow[]): string {
  const methods = [...new Set(rows.map((r) => r.method))];
  const protocols = [...new Set(rows.map((r) => r.protocol))];
  return markdownTable(
    ["model", ...protocols],
    methods.map((method) => [
      method,
      ...protocols.map((protocol) => {
        const r = rows.find((x) => x.method === method && x.protocol === protocol);
        return r ? formatAccuracy(r) : "-";
      }),
    ]),
  );
}
