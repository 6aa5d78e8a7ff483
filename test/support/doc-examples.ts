// Test-only: runs the ```ts blocks of a doc page, so documented examples cannot rot.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../../", import.meta.url);

/** Package entry points the docs import, as they will be exported, mapped to the sources. */
const entryPoints: Record<string, string> = {
  edd: "core/index.ts",
  "edd/client": "client/index.ts",
  "edd/memory": "adapters/memory/index.ts",
  "edd/dynamodb": "adapters/dynamodb/index.ts",
  "edd/node": "runtimes/node/index.ts",
  "edd/http": "runtimes/http/app.ts",
  "edd/jwt": "adapters/jwt/index.ts",
  "edd/pino": "adapters/pino/index.ts",
  "edd/opentelemetry": "adapters/opentelemetry/index.ts",
  "edd/testing": "core/testing/index.ts",
  "edd/explorer": "runtimes/explorer/index.ts",
  "edd/examples/bank": "examples/bank/services.ts",
};

/** The ```ts blocks of a page in order, joined into one module; ```ts fragment blocks are left out. */
export function docModule(page: string): string {
  const markdown = readFileSync(new URL(page, root), "utf8");
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
  if (blocks.length === 0) throw new Error(`${page} has no runnable \`\`\`ts block`);
  return blocks.join("\n").replace(/from "(edd(?:\/[\w/-]+)?)"/g, (_whole, specifier: string) => {
    const target = entryPoints[specifier];
    if (target === undefined) throw new Error(`${page} imports ${specifier}, which has no entry point mapping`);
    return `from ${JSON.stringify(new URL(target, root).pathname)}`;
  });
}

/** Writes the page's module to a temporary file and imports it: a throw anywhere fails the test. */
export async function runDocExamples(page: string): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), "edd-doc-")), "example.ts");
  writeFileSync(file, docModule(page));
  await import(pathToFileURL(file).href);
}
