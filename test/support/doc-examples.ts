// Test-only: the ```ts blocks of a doc page as one module, type-checked (test/docs-typecheck.test.ts)
// and, for pages whose examples run, imported, so documented examples cannot rot.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const root = new URL("../../", import.meta.url);

/**
 * Where a page's module lives: in examples/bank/, so that `./services.js` in a page is the bank's
 * services and `edd/*` resolves through the package's own exports, exactly as written.
 */
export function docPagePath(page: string, suffix = ""): string {
  return new URL(`examples/bank/.doc-${page.replace(/\.md$/, "")}${suffix}.ts`, root).pathname;
}

/** The ```ts blocks of a page in order, joined into one module; undefined when it has none. */
export function docTypeScript(page: string): string | undefined {
  const blocks = [...unmarked(readMarkdown(page)).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
  // `export {}` makes even a page without imports a module, as every doc block is.
  return blocks.length === 0 ? undefined : `${blocks.join("\n")}\nexport {};\n`;
}

/**
 * The ```ts blocks a page shows as whole files (`<!-- file: PATH -->` before them), each its own
 * module at its path under the page's folder, so their relative imports resolve among themselves.
 */
export function docTypeScriptFiles(page: string): { readonly path: string; readonly source: string }[] {
  const folder = docPagePath(page.replace(/^docs\//, "")).replace(/\.ts$/, "");
  return [...readMarkdown(page).matchAll(fileBlock)]
    .filter((match) => match[2] === "ts")
    .map((match) => ({ path: `${folder}/${match[1] as string}`, source: match[3] as string }));
}

const fileBlock = /<!-- file: (\S+) -->\s*```(\w*)\n([\s\S]*?)^```$/gm;

function readMarkdown(page: string): string {
  return readFileSync(new URL(page, root), "utf8");
}

/** The page without its whole-file blocks. */
function unmarked(markdown: string): string {
  return markdown.replace(fileBlock, "");
}

/** Writes the page's module beside the bank example and imports it: a throw anywhere fails the test. */
export async function runDocExamples(page: string): Promise<void> {
  const source = docTypeScript(page);
  if (source === undefined) throw new Error(`${page} has no \`\`\`ts block`);
  const file = docPagePath(page.replace(/^docs\//, ""), `-${process.pid}-${Date.now()}`);
  writeFileSync(file, source);
  try {
    await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
}
