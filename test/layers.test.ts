import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ImportEdge, importCycles, importEdges, layerRoots, repoRoot, sourceFiles } from "./support/import-graph.js";

/**
 * The layers of docs/architecture.md, held by test: core imports only zod; an adapter imports core
 * and its own folder (postgres and pglite also the shared adapters/sql), never runtimes, examples or
 * another adapter; runtimes and the client never import examples; no import cycles, type-only
 * imports included. Tests (`*.test.ts`) may use anything and are not checked.
 */
const files = layerRoots.flatMap((root) => sourceFiles(join(repoRoot, root)));
const edges = importEdges(files);

const adapterOf = (path: string | undefined) => path?.match(/^adapters\/([^/]+)\//)?.[1];
const layerOf = (path: string) => path.split("/")[0] as string;
const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string);
/** Adapters that build on the shared SQL layer. */
const sqlFamily = new Set(["postgres", "pglite", "key-store-sql"]);
/**
 * Known exceptions, each with its reason; the list only shrinks. The SQL key store's opener wires in
 * node's cipher as its default (edd/key-store-sql `openSqlKeyStore`), a wiring that belongs in a runtime.
 */
const allowed = new Set(["adapters/key-store-sql/open.ts -> adapters/node-crypto/cipher.ts"]);

/** Why an import breaks a layer rule, or undefined when it keeps to them. */
function layerViolation(edge: ImportEdge): string | undefined {
  const from = layerOf(edge.from);
  const to = edge.to === undefined ? undefined : layerOf(edge.to);
  if (from === "core") {
    if (edge.to === undefined) return packageOf(edge.specifier) === "zod" ? undefined : "core imports only zod";
    return to === "core" ? undefined : "core imports only itself and zod";
  }
  if (from === "adapters" && edge.to !== undefined) {
    if (to === "core") return undefined;
    const own = adapterOf(edge.from);
    const target = adapterOf(edge.to);
    if (to !== "adapters") return `an adapter imports nothing of ${to}`;
    if (target === own || (target === "sql" && own !== undefined && sqlFamily.has(own))) return undefined;
    if (allowed.has(`${edge.from} -> ${edge.to}`)) return undefined;
    return `adapters/${own} imports adapters/${target}`;
  }
  if ((from === "runtimes" || from === "client") && to === "examples") return `${from} never import examples`;
  return undefined;
}

const describeEdge = (edge: ImportEdge, problem: string) => `${edge.from}:${edge.line} imports "${edge.specifier}": ${problem}`;

describe("layers", () => {
  it("reads every import form, type-only and dynamic ones included", () => {
    const coreEdges = edges.filter((edge) => edge.from === "core/pipeline/engine.ts");
    expect(coreEdges.some((edge) => edge.to === "core/pipeline/engine-context.ts")).toBe(true); // an `import type`
    const dynamic = edges.filter((edge) => edge.from === "runtimes/node/stores.ts").map((edge) => edge.specifier);
    expect(dynamic.length).toBeGreaterThan(0);
  });

  it("names what each rule refuses", () => {
    const edge = (from: string, specifier: string, to?: string): ImportEdge => ({ from, specifier, to, line: 1 });
    expect(layerViolation(edge("core/a.ts", "node:crypto"))).toBe("core imports only zod");
    expect(layerViolation(edge("core/a.ts", "zod"))).toBeUndefined();
    expect(layerViolation(edge("core/a.ts", "../adapters/x.js", "adapters/x/x.ts"))).toBeDefined();
    expect(layerViolation(edge("adapters/memory/a.ts", "../sql/hash.js", "adapters/sql/hash.ts"))).toBe(
      "adapters/memory imports adapters/sql",
    );
    expect(layerViolation(edge("adapters/postgres/a.ts", "../sql/store.js", "adapters/sql/store.ts"))).toBeUndefined();
    expect(layerViolation(edge("adapters/sql/a.ts", "../postgres/x.js", "adapters/postgres/x.ts"))).toBeDefined();
    expect(layerViolation(edge("adapters/sqs/a.ts", "../../runtimes/x.js", "runtimes/x.ts"))).toBeDefined();
    expect(layerViolation(edge("runtimes/explorer/a.ts", "../../examples/bank/x.js", "examples/bank/x.ts"))).toBeDefined();
    expect(layerViolation(edge("client/a.ts", "../examples/bank/x.js", "examples/bank/x.ts"))).toBeDefined();
  });

  it("finds a cycle, type-only edges counted", () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, specifier: to, to, line: 1 });
    expect(importCycles([edge("a.ts", "b.ts"), edge("b.ts", "c.ts"), edge("c.ts", "a.ts"), edge("c.ts", "d.ts")])).toEqual([
      ["a.ts", "b.ts", "c.ts"],
    ]);
  });

  it("hold for every source file", () => {
    const violations = edges.flatMap((edge) => {
      const problem = layerViolation(edge);
      return problem === undefined ? [] : [describeEdge(edge, problem)];
    });
    expect(violations).toEqual([]);
  });

  it("leave no import cycle", () => {
    expect(importCycles(edges).map((cycle) => cycle.join(" -> "))).toEqual([]);
  });
});
