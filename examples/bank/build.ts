import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, transformSync } from "esbuild";
import { type BuiltFiles, foldStartupChunks, startupChunks } from "./fold-startup-chunks.js";

/**
 * Bundles the bank example once per runtime: `dist/<runtime>/index.mjs`, one ESM file per runtime
 * plus lazily loaded chunks (the Postgres store). `npm run build` runs this file.
 */
export const bankRuntimes = ["aws-lambda", "azure-functions", "cloud-run", "node"] as const;
export type BankRuntime = (typeof bankRuntimes)[number];

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface BundleReport {
  readonly name: string;
  /** The file a runtime loads: `<outdir>/index.mjs`. */
  readonly file: string;
  /** Bytes loaded at start (index.mjs and the chunks it imports statically). */
  readonly startupBytes: number;
  /** Bytes of chunks loaded only on demand. */
  readonly lazyBytes: number;
  /** Files loaded at start: each is one more module for Node to read, compile and link. */
  readonly startupFiles: number;
}

/** What a deployment folder needs beside the bundle, copied from examples/bank/deploy. */
const deployFiles: Partial<Record<BankRuntime, readonly string[]>> = {
  "azure-functions": ["azure-functions/host.json", "azure-functions/package.json"],
};

/** Bundles one entry file, or entry source code resolved from the repository root (for baselines). */
export async function bundle(
  name: string,
  input: ({ entry: string } | { source: string }) & {
    readonly conditions?: readonly string[];
    readonly workingDir?: string;
    /** Fold the chunks the entry imports statically into it (fold-startup-chunks.ts); only for an entry without top-level await. */
    readonly foldStartupChunks?: boolean;
  },
  outdir: string,
): Promise<BundleReport> {
  rmSync(outdir, { recursive: true, force: true });
  const workingDir = input.workingDir ?? repoRoot;
  const result = await build({
    ...("entry" in input
      ? { entryPoints: [input.entry] }
      : { stdin: { contents: input.source, resolveDir: workingDir, sourcefile: `${name}.ts`, loader: "ts" } }),
    entryNames: "index",
    absWorkingDir: workingDir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    splitting: true,
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    // Written below, once every file is plain ASCII.
    write: false,
    logLevel: "warning",
    // In the repository `edd/*` resolves to the TypeScript sources; an installed package resolves to dist/.
    conditions: [...(input.conditions ?? ["source"])],
    // Provided by the Azure Functions worker, which intercepts require(); outside it @azure/functions falls back to test mode.
    external: ["@azure/functions-core"],
  });
  const file = resolve(outdir, "index.mjs");
  const files: BuiltFiles = new Map(result.outputFiles.map((output) => [output.path, output.text]));
  if (input.foldStartupChunks === true) {
    const entryOutput = result.metafile.outputs[relative(workingDir, file).split("\\").join("/")];
    if (entryOutput === undefined) throw new Error(`esbuild wrote no ${file}`);
    await foldStartupChunks(files, file, entryOutput.exports);
  }
  for (const [path, text] of files) {
    mkdirSync(dirname(path), { recursive: true });
    if (path.endsWith(".mjs")) files.set(path, withRequire(asciiComments(text)));
    else if (path.endsWith(".mjs.map")) files.set(path, mapWithRequire(text, files.get(path.slice(0, -".map".length)) ?? ""));
  }
  for (const [path, text] of files) writeFileSync(path, text);
  return { name, file, ...measure(files, file) };
}

/**
 * esbuild escapes characters beyond ASCII in strings and names (its default `charset: "ascii"`) but
 * copies comments as they are, so one "…" in a kept doc comment (or in a dependency's) makes the
 * whole file two-byte text: V8 then decodes and scans twice the bytes at load, and again at each
 * function's first call. Such characters on comment lines become "?" (one per UTF-16 unit, so the
 * source map's columns hold). A line that only looks like a comment (inside a template string) is
 * caught by parsing both texts without comments: if they differ, the file is written as it was.
 */
export function asciiComments(code: string): string {
  if (!/[\u0080-\uffff]/.test(code)) return code;
  const changed = code.replace(/^[ \t]*(?:\/\/|\/\*|\*).*$/gm, (line) => line.replace(/[\u0080-\uffff]/g, "?"));
  const withoutComments = (text: string) => transformSync(text, { minifyWhitespace: true, legalComments: "none", format: "esm" }).code;
  return withoutComments(changed) === withoutComments(code) ? changed : code;
}

/**
 * CommonJS dependencies (@azure/functions, the AWS SDK) call require() for Node built-ins, and ESM
 * has no require: a file that names it gets one from `createRequire`. Only those files: building a
 * require costs each file that loads at start about 0.05 ms, the first one about a millisecond.
 * A file that mentions the word only in a string or a comment gets one it does not need, which is harmless.
 */
const requireLines = [
  'import { createRequire as __eddCreateRequire } from "node:module";',
  "const require = __eddCreateRequire(import.meta.url);",
];
const namesRequire = (code: string) => /\brequire\b/.test(code);

export function withRequire(code: string): string {
  return namesRequire(code) ? `${requireLines.join("\n")}\n${code}` : code;
}

/** The source map of a file given `withRequire`'s lines: each line it adds shifts the mappings down one line (";"). */
export function mapWithRequire(mapText: string, code: string): string {
  if (!namesRequire(code)) return mapText;
  const map = JSON.parse(mapText) as { mappings: string };
  return JSON.stringify({ ...map, mappings: ";".repeat(requireLines.length) + map.mappings });
}

/** Splits output bytes into what loads at start (the entry and its static imports, followed through) and what loads on demand. */
function measure(files: BuiltFiles, entryFile: string): { startupBytes: number; lazyBytes: number; startupFiles: number } {
  const startup = new Set([entryFile, ...startupChunks(files, entryFile)]);
  let startupBytes = 0;
  let lazyBytes = 0;
  for (const [path, text] of files) {
    if (!path.endsWith(".mjs")) continue;
    if (startup.has(path)) startupBytes += Buffer.byteLength(text);
    else lazyBytes += Buffer.byteLength(text);
  }
  return { startupBytes, lazyBytes, startupFiles: startup.size };
}

export async function buildBank(outRoot = join(repoRoot, "dist")): Promise<BundleReport[]> {
  const reports: BundleReport[] = [];
  for (const runtime of bankRuntimes) {
    const outdir = join(outRoot, runtime);
    // The Lambda entry has no top-level await (its engine is built on the first invocation): its start-up chunks fold into it.
    const foldStartupChunks = runtime === "aws-lambda";
    reports.push(await bundle(runtime, { entry: join(repoRoot, "examples/bank/entry", `${runtime}.ts`), foldStartupChunks }, outdir));
    for (const file of deployFiles[runtime] ?? []) copyFileSync(join(repoRoot, "examples/bank/deploy", file), join(outdir, basename(file)));
  }
  return reports;
}

export function formatSize(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const reports = await buildBank();
  for (const report of reports) {
    console.log(
      `${report.name.padEnd(16)} ${relative(repoRoot, report.file).padEnd(34)} ${formatSize(report.startupBytes).padStart(10)} at start, ${formatSize(report.lazyBytes)} lazy`,
    );
  }
}
