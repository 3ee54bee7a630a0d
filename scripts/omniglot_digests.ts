/**
 * Maintainer tool: print the content digests of an Omniglot copy (OMNIGLOT_DIR) as the
 * JSON that `lib/data/omniglot_digests.json` pins. Run it only on a copy whose provenance
 * is known; `deno task data` then refuses any copy whose names or pixels differ.
 */
import { omniglotContent } from "../lib/data/omniglot.ts";

if (import.meta.main) {
  console.log(JSON.stringify(await omniglotContent(), null, 1));
}
