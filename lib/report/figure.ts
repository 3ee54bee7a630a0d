/**
 * A plotly figure as plain data (`data`, `layout`), so the same object renders in a
 * notebook (application/vnd.plotly.v1+json), in a standalone HTML file, and as a PNG.
 */
export interface Figure {
  /** File stem under `figures/` (e.g. `n_way_curve`). */
  name: string;
  title: string;
  // deno-lint-ignore no-explicit-any
  data: any[];
  // deno-lint-ignore no-explicit-any
  layout: Record<string, any>;
}
