/**
 * Which modules may import which: library code under lib/ reads neither the entry points
 * (scripts/) nor their command line (lib/cli.ts, which prints and picks exit codes); it throws
 * UsageError from usage_error.ts instead. And no module of lib/ imports itself round a cycle, not
 * even for a type: a type goes where both sides can import it.
 */
import assert from "node:assert/strict";

const LIB = new URL("../lib/", import.meta.url);

/** Every .ts file under `dir`, as paths relative to lib/. */
function tsFiles(dir: URL, prefix = ""): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      found.push(...tsFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".ts")) {
      found.push(`${prefix}${entry.name}`);
    }
  }
  return found;
}

/** The relative module specifiers `source` imports or re-exports, resolved against lib/`file`. */
function localImports(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)]
    .map((m) => m[1]);
  return specifiers.map((s) => new URL(s, new URL(file, LIB)).href);
}

Deno.test("lib/ imports neither scripts/ nor lib/cli.ts", () => {
  const cli = new URL("cli.ts", LIB).href;
  const scripts = new URL("../scripts/", LIB).href;
  const files = tsFiles(LIB);
  assert.ok(files.length > 50, `only ${files.length} files found under lib/`);
  const offenders: string[] = [];
  for (const file of files) {
    if (file === "cli.ts") continue;
    const source = Deno.readTextFileSync(new URL(file, LIB));
    for (const target of localImports(file, source)) {
      if (target === cli || target.startsWith(scripts)) offenders.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});

/** The first import cycle among `files` (lib/-relative paths), or null: a path that returns. */
function importCycle(files: readonly string[]): string[] | null {
  const edges = new Map(files.map((file) => {
    const source = Deno.readTextFileSync(new URL(file, LIB));
    const targets = localImports(file, source)
      .filter((href) => href.startsWith(LIB.href))
      .map((href) => href.slice(LIB.href.length));
    return [file, targets];
  }));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "open") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "open");
    path.push(file);
    for (const target of edges.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

Deno.test("no two lib/ modules import each other, directly or round a cycle, type imports included", () => {
  assert.equal(importCycle(tsFiles(LIB))?.join(" -> ") ?? null, null);
});
