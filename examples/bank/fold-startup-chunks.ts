import { basename, dirname, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

/** Output texts by absolute path (`.mjs` and `.mjs.map`); changed in place. */
export type BuiltFiles = Map<string, string>;

/**
 * esbuild's comment naming the module whose code follows, e.g. "// core/model/envelope.ts". A comment
 * of the code's own that looks the same stays a comment too, which does no harm.
 */
const modulePathComment = /^\/\/ ([\w@.+-]+(?:\/[\w@.+-]+)*\.(?:[cm]?[jt]sx?|json))$/gm;
const sourceMapComment = /\n\/\/# sourceMappingURL=[^\n]+\n?$/;

/**
 * Folds the chunks an entry imports statically into the entry file itself, so a cold start loads
 * one file instead of nine. esbuild's code splitting puts every module that the entry shares with
 * a lazily loaded chunk (the HTTP app, the Postgres store, ...) in a shared chunk of its own, one
 * per combination of importers: each is one more file for Node to resolve, read, compile and link
 * at start, about half a millisecond apiece on Node 20. Here a second esbuild pass bundles the
 * entry with those chunks, re-exports what the lazy chunks take from them under names that say
 * where it came from (`name$chunk_ABC123`), and the lazy chunks import it from the entry instead.
 *
 * Only for an entry without top-level await: a lazy chunk now imports the entry, and one loaded
 * while the entry still awaited at top level would wait for it forever. Every `import()` in the
 * Lambda entry runs in a handler, after the entry has finished loading. And the host must load the
 * entry by its plain file URL, as Lambda does: the lazy chunks name it by a relative path, and an entry
 * loaded by another URL (a query string, another letter case on Windows) would load a second time.
 */
export async function foldStartupChunks(files: BuiltFiles, entry: string, entryExports: readonly string[]): Promise<void> {
  const folded = startupChunks(files, entry);
  if (folded.size === 0) return;
  // What each lazy file takes from a folded chunk, to re-export from the entry.
  const taken = new Map<string, Set<string>>();
  for (const [path, text] of files) {
    if (!path.endsWith(".mjs") || path === entry || folded.has(path)) continue;
    for (const statement of staticImports(text, path)) {
      if (!folded.has(statement.target)) continue;
      const names = taken.get(statement.target) ?? new Set<string>();
      for (const { imported } of statement.specifiers) names.add(imported);
      taken.set(statement.target, names);
    }
  }
  const outdir = dirname(entry);
  const relativeTo = (from: string, to: string) => {
    const path = relative(dirname(from), to).split("\\").join("/");
    return path.startsWith(".") ? path : `./${path}`;
  };
  const source = [
    `export { ${entryExports.join(", ")} } from ${JSON.stringify(relativeTo(entry, entry))};`,
    ...[...taken].map(
      ([chunk, names]) =>
        `export { ${[...names].map((name) => `${name} as ${aliasOf(chunk, name)}`).join(", ")} } from ${JSON.stringify(relativeTo(entry, chunk))};`,
    ),
  ].join("\n");

  const inMemory: Plugin = {
    name: "fold-startup-chunks",
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith(".")) return { path: args.path, external: true };
        const path = resolve(args.resolveDir, args.path);
        // The entry and the folded chunks are bundled; lazy chunks stay files, named from the entry's folder.
        if (path === entry || folded.has(path)) return { path };
        return { path: relativeTo(entry, path), external: true };
      });
      builder.onLoad({ filter: /.*/ }, (args) => {
        // A module's path comment ("// core/model/envelope.ts") survives a second pass only as a legal comment.
        const text = (files.get(args.path) ?? "").replace(modulePathComment, "//! $1");
        const map = files.get(`${args.path}.map`);
        // esbuild reads an input's source map from its sourceMappingURL; these live in memory, so inline them.
        const contents =
          map === undefined
            ? text
            : text.replace(
                sourceMapComment,
                `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString("base64")}\n`,
              );
        return { contents, loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
  const result = await build({
    stdin: { contents: source, resolveDir: outdir, sourcefile: "folded-entry.mjs", loader: "js" },
    absWorkingDir: outdir,
    legalComments: "inline",
    outfile: entry,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    write: false,
    logLevel: "warning",
    plugins: [inMemory],
  });
  for (const chunk of folded) {
    files.delete(chunk);
    files.delete(`${chunk}.map`);
  }
  for (const output of result.outputFiles) files.set(output.path, output.text.replace(/^(\s*)\/\/! /gm, "$1// "));
  const merged = files.get(entry) ?? "";
  if (staticImports(merged, entry).length > 0) throw new Error(`${entry}: still imports files at start after folding`);

  // The lazy files import from the entry now; each statement keeps its lines, so their source maps hold.
  for (const [path, text] of files) {
    if (!path.endsWith(".mjs") || path === entry) continue;
    let changed = text;
    for (const statement of staticImports(text, path)) {
      if (!folded.has(statement.target)) continue;
      const from = JSON.stringify(relativeTo(path, entry));
      const rewritten = statement.text
        .replace(/\{[^}]*\}/, (list) =>
          list.replace(
            /([\w$]+)(\s+as\s+[\w$]+)?/g,
            (_, imported: string, local?: string) =>
              `${aliasOf(statement.target, imported)} as ${local === undefined ? imported : local.replace(/^\s+as\s+/, "")}`,
          ),
        )
        .replace(/"[^"]+";$/, `${from};`);
      changed = changed.replace(statement.text, rewritten);
    }
    files.set(path, changed);
  }
}

/** The name a folded chunk's export gets in the entry: where it came from stays readable. */
function aliasOf(chunk: string, name: string): string {
  return `${name}$${basename(chunk, ".mjs").replace(/[^\w$]/g, "_")}`;
}

/** The files an entry loads at start: its static imports, followed through. */
export function startupChunks(files: BuiltFiles, entry: string): Set<string> {
  const found = new Set<string>();
  const visit = (path: string) => {
    for (const { target } of staticImports(files.get(path) ?? "", path)) {
      if (found.has(target)) continue;
      if (!files.has(target)) throw new Error(`${path} imports ${target}, which the build did not write`);
      found.add(target);
      visit(target);
    }
  };
  visit(entry);
  return found;
}

interface StaticImport {
  /** The whole statement as written. */
  readonly text: string;
  /** The imported file's absolute path. */
  readonly target: string;
  readonly specifiers: readonly { readonly imported: string }[];
}

/**
 * esbuild's own import statements between output files: `import { a, b as c } from "./x.mjs";`
 * or `import "./x.mjs";`, each at the start of a line. Any other static import of a relative path
 * is refused rather than guessed at.
 */
function staticImports(text: string, path: string): StaticImport[] {
  const found: StaticImport[] = [];
  for (const match of text.matchAll(/^import\b[^;"]*"(\.{1,2}\/[^"]+)";/gm)) {
    const [statement, target] = match as unknown as [string, string];
    const list = /^import\s*\{([^}]*)\}\s*from\s*"/.exec(statement);
    if (list === null && !/^import\s*"/.test(statement)) throw new Error(`${path}: an import esbuild does not write: ${statement}`);
    const specifiers = (list?.[1] ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .map((part) => ({ imported: part.split(/\s+as\s+/)[0] as string }));
    found.push({ text: statement, target: resolve(dirname(path), target), specifiers });
  }
  return found;
}
