import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { type ImportEdge, importCycles, importEdges, importsOf, layerRoots, repoRoot, sourceFiles } from "./support/import-graph.js";

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

/**
 * Vendor SDKs: the optional peers of package.json (but vitest, a test tool), and the cloud families
 * by scope. A static value import of one loads the SDK with the file, making it a hard dependency
 * of every entry that reaches the file; so it happens only in an adapter's SDK loader (`sdk.ts`,
 * or `<driver>-sdk.ts` in adapters/sql/drivers), which loads it through loadPeer with an error
 * naming the package to install. Type-only imports load nothing and may stand anywhere.
 */
const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const vendorPackages = new Set(
  Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([name, meta]) => meta.optional === true && name !== "vitest")
    .map(([name]) => name)
    .concat(["amqplib", "nats", "kafkajs", "mongodb", "ioredis", "redis"]),
);
const vendorScopes = /^@(?:aws-sdk|azure|google-cloud|opensearch-project|smithy)\//;
const isVendor = (specifier: string) => vendorPackages.has(packageOf(specifier)) || vendorScopes.test(specifier);
const isSdkLoader = (path: string) => path.startsWith("adapters/") && /^(?:[a-z0-9-]+-)?sdk\.ts$/.test(basename(path));
/** The examples are apps, not the framework: the Azure Functions entry must hand the host `app` from @azure/functions at load. */
const sdkAllowed = new Set(["examples/bank/entry/azure-functions.ts -> @azure/functions"]);

/** Why an import loads a vendor SDK outside an SDK loader, or undefined. */
function sdkViolation(edge: ImportEdge): string | undefined {
  if (edge.to !== undefined || edge.typeOnly || edge.dynamic || !isVendor(edge.specifier)) return undefined;
  if (isSdkLoader(edge.from) || sdkAllowed.has(`${edge.from} -> ${packageOf(edge.specifier)}`)) return undefined;
  return "a vendor SDK is loaded only in an adapter's sdk.ts (loadPeer); import its types with `import type`";
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
    const edge = (from: string, specifier: string, to?: string): ImportEdge => ({
      from,
      specifier,
      to,
      line: 1,
      typeOnly: false,
      dynamic: false,
    });
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

  it("tells type-only imports from value imports", () => {
    const source = ts.createSourceFile(
      "x.ts",
      [
        'import type { A } from "a";',
        'import { type B, type C } from "b";',
        'import { type D, E } from "c";',
        'import F from "d";',
        'import "e";',
        'export type { G } from "f";',
        'export { H } from "g";',
        'export * from "h";',
        'const i = await import("i");',
        'let j: import("j").J;',
      ].join("\n"),
      ts.ScriptTarget.Latest,
      true,
    );
    expect(
      importsOf(source).map(({ specifier, typeOnly, dynamic }) => `${specifier}:${typeOnly ? "type" : dynamic ? "dynamic" : "value"}`),
    ).toEqual(["a:type", "b:type", "c:value", "d:value", "e:value", "f:type", "g:value", "h:value", "i:dynamic", "j:type"]);
  });

  it("names the file, line and import that loads a vendor SDK outside its adapter's sdk.ts", () => {
    const graph: ImportEdge[] = [
      { from: "adapters/sqs/transport.ts", specifier: "@aws-sdk/client-sqs", to: undefined, line: 3, typeOnly: false, dynamic: false },
      { from: "adapters/sqs/transport.ts", specifier: "@aws-sdk/client-sqs", to: undefined, line: 4, typeOnly: true, dynamic: false },
      { from: "adapters/sqs/sdk.ts", specifier: "@aws-sdk/client-sqs", to: undefined, line: 2, typeOnly: false, dynamic: false },
      { from: "adapters/sql/drivers/pg-sdk.ts", specifier: "pg", to: undefined, line: 1, typeOnly: false, dynamic: false },
      { from: "runtimes/node/stores.ts", specifier: "pg", to: undefined, line: 9, typeOnly: false, dynamic: false },
      { from: "runtimes/cli/x.ts", specifier: "@electric-sql/pglite", to: undefined, line: 5, typeOnly: false, dynamic: true },
      { from: "adapters/memory/a.ts", specifier: "zod", to: undefined, line: 1, typeOnly: false, dynamic: false },
    ];
    const found = graph.flatMap((edge) => {
      const problem = sdkViolation(edge);
      return problem === undefined ? [] : [describeEdge(edge, problem)];
    });
    expect(found).toEqual([
      `adapters/sqs/transport.ts:3 imports "@aws-sdk/client-sqs": ${sdkViolation(graph[0] as ImportEdge)}`,
      `runtimes/node/stores.ts:9 imports "pg": ${sdkViolation(graph[0] as ImportEdge)}`,
    ]);
    expect(isVendor("@google-cloud/pubsub") && isVendor("@opensearch-project/opensearch") && isVendor("pg")).toBe(true);
  });

  it("load vendor SDKs only in an adapter's SDK loader", () => {
    const violations = edges.flatMap((edge) => {
      const problem = sdkViolation(edge);
      return problem === undefined ? [] : [describeEdge(edge, problem)];
    });
    expect(violations).toEqual([]);
  });

  it("finds a cycle, type-only edges counted", () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, specifier: to, to, line: 1, typeOnly: true, dynamic: false });
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
