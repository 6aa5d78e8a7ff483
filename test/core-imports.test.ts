import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const coreDir = new URL("../core/", import.meta.url).pathname;
/** core/ may import only itself and zod: vendor SDKs, adapters and runtimes stay outside. */
const allowedPackages = new Set(["zod"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;
  for (const match of source.matchAll(pattern)) specifiers.push((match[1] ?? match[2] ?? match[3]) as string);
  return specifiers;
}

function forbiddenImport(fileInCore: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) {
    const target = relative(coreDir, join(fileInCore, "..", specifier));
    return target.startsWith("..") ? `${specifier} leaves core/` : undefined;
  }
  const pkg = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string);
  return allowedPackages.has(pkg) ? undefined : `${specifier} is not allowed in core/`;
}

describe("core/ import rule", () => {
  it("finds every import form", () => {
    expect(
      importsOf(`import { a } from "pg";\nexport * from "../adapters/x.js";\nconst m = await import("hono");\nimport "side-effect";`),
    ).toEqual(["pg", "../adapters/x.js", "hono", "side-effect"]);
  });

  it("flags vendor packages, node builtins and paths out of core/", () => {
    const file = join(coreDir, "pipeline/engine.ts");
    expect(forbiddenImport(file, "@aws-sdk/client-sqs")).toBeDefined();
    expect(forbiddenImport(file, "node:crypto")).toBeDefined();
    expect(forbiddenImport(file, "../../adapters/memory/store.js")).toBeDefined();
    expect(forbiddenImport(file, "../model/service.js")).toBeUndefined();
    expect(forbiddenImport(file, "zod")).toBeUndefined();
  });

  it("holds for every file under core/", () => {
    const violations = sourceFiles(coreDir).flatMap((file) =>
      importsOf(readFileSync(file, "utf8")).flatMap((specifier) => {
        const problem = forbiddenImport(file, specifier);
        return problem === undefined ? [] : [`${relative(coreDir, file)}: ${problem}`];
      }),
    );
    expect(violations).toEqual([]);
  });
});
