import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** One import of a repository file: where it stands, what it names, and what it resolves to. */
export interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  /** The repository file it reaches (relative path), or undefined for a package. */
  readonly to: string | undefined;
  readonly line: number;
  /** Erased by TypeScript (`import type`, every name `type`, `import("x").T`): no code loads. */
  readonly typeOnly: boolean;
  /** An `import()` call: loads when it runs, not when the file loads. */
  readonly dynamic: boolean;
}

export const repoRoot = new URL("../../", import.meta.url).pathname;

/** The source folders the layer rules speak of. */
export const layerRoots = ["core", "adapters", "runtimes", "client", "contracts", "examples"] as const;

export function sourceFiles(dir: string, withTests = false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(path, withTests);
    if (!/\.tsx?$/.test(entry.name) || entry.name.endsWith(".d.ts")) return [];
    return withTests || !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Package entries (`edd/...`) mapped to their source files, so they count as the files they are. */
function packageEntries(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, { source?: string }>;
  };
  const entries = new Map<string, string>();
  for (const [key, target] of Object.entries(manifest.exports)) {
    if (target.source === undefined) continue;
    entries.set(key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`, relative(repoRoot, join(repoRoot, target.source)));
  }
  return entries;
}

function resolveRelative(fromFile: string, specifier: string): string {
  const absolute = join(dirname(fromFile), specifier);
  const candidates = [absolute.replace(/\.js$/, ".ts"), absolute.replace(/\.js$/, ".tsx"), `${absolute}.ts`, join(absolute, "index.ts")];
  const found = candidates.find((candidate) => existsSync(candidate)) ?? absolute;
  return relative(repoRoot, found);
}

/** Every import, re-export, dynamic import and `import type` of the given files, read from TypeScript's syntax tree. */
export function importEdges(files: readonly string[]): ImportEdge[] {
  const entries = packageEntries();
  return files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    return importsOf(source).map(({ specifier, node, typeOnly, dynamic }) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const to = specifier.startsWith(".") ? resolveRelative(file, specifier) : entries.get(specifier);
      return { from: relative(repoRoot, file), specifier, to, line, typeOnly, dynamic };
    });
  });
}

interface FoundImport {
  readonly specifier: string;
  readonly node: ts.Node;
  readonly typeOnly: boolean;
  readonly dynamic: boolean;
}

/**
 * The imports of one file. An import is type-only when TypeScript erases it: `import type`,
 * `export type`, braces whose every name is marked `type`, and `import("x").T` in a type.
 */
export function importsOf(source: ts.SourceFile): FoundImport[] {
  const found: FoundImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const everyNameTyped =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((element) => element.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, node, typeOnly: clause?.isTypeOnly === true || everyNameTyped, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const everyNameTyped =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((element) => element.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, node, typeOnly: node.isTypeOnly || everyNameTyped, dynamic: false });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, node, typeOnly: node.isTypeOnly, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument))
        found.push({ specifier: argument.text, node, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, node, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The import cycles among the files (each once, as the list of files around it). */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.to === undefined || edge.to === edge.from) continue;
    const targets = next.get(edge.from) ?? new Set<string>();
    targets.add(edge.to);
    next.set(edge.from, targets);
  }
  // Tarjan's strongly connected components: every component of two or more files holds a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!order.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, order.get(target) as number));
      }
    }
    if (low.get(node) === order.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of next.keys()) if (!order.has(node)) visit(node);
  return components;
}
