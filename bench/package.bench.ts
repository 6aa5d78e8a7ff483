import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BundleReport, bundle, repoRoot } from "../examples/bank/build.js";
import { runBundle } from "../test/parity/bundle-runner.js";
import type { BenchReport } from "./run.js";
import { median, round, sampleRoundRobin } from "./samples.js";

/**
 * The bank's Lambda bundle built two ways in one run: from the repository's sources (what
 * `npm run build` makes) and from the package as a user installs it (`npm pack`, installed into a
 * fresh project, esbuild resolving `edd/*` to the compiled dist/). Same entry code, same esbuild
 * settings; size at start and import time side by side. Never fails on timing.
 */

const runs = 9;
const exec = promisify(execFile);
const bankFiles = [
  "accounts.ts",
  "account-search.ts",
  "transfers.ts",
  "services.ts",
  "entry/aws-lambda.ts",
  "entry/engine.ts",
  "entry/postgres-store.ts",
];

interface Measured {
  readonly bytes: number;
  /**
   * index.mjs without esbuild's `// path/of/module.js` comments and with whitespace runs as one
   * space: the paths differ between the two, and esbuild keeps each input's line breaks.
   */
  readonly codeBytes: number;
  readonly lazyBytes: number;
  readonly loadMs: number;
  readonly firstCommandMs: number;
}

export async function run(): Promise<BenchReport> {
  const scratch = mkdtempSync(join(tmpdir(), "edd-package-bench-"));
  try {
    const project = await installedProject(scratch);
    const reports: BundleReport[] = [
      await bundle("repository", { entry: join(repoRoot, "examples/bank/entry/aws-lambda.ts") }, join(scratch, "out/repository")),
      await bundle(
        "installed package",
        { entry: join(project, "src/entry/aws-lambda.ts"), conditions: [], workingDir: project },
        join(scratch, "out/installed"),
      ),
    ];
    const samples = await sampleRoundRobin(reports, runs, (report) => runBundle("lambda", report.file));
    const results: Record<string, Measured> = {};
    for (const report of reports) {
      const taken = samples.get(report.name) ?? [];
      results[report.name] = {
        bytes: report.startupBytes,
        codeBytes: normalizedBytes(report.file),
        lazyBytes: report.lazyBytes,
        loadMs: round(median(taken.map((r) => r.loadMs))),
        firstCommandMs: round(median(taken.map((r) => r.firstCommandMs))),
      };
    }
    return { name: "package", results: { runs, bundles: results }, markdown: markdown(results) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A fresh project with the packed package and the bank's Lambda sources, installed from npm's cache. */
async function installedProject(scratch: string): Promise<string> {
  await exec("npm", ["run", "build:lib"], { cwd: repoRoot });
  const { stdout } = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], { cwd: repoRoot });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  const project = join(scratch, "bank");
  mkdirSync(join(project, "src/entry"), { recursive: true });
  for (const file of bankFiles) cpSync(join(repoRoot, "examples/bank", file), join(project, "src", file));
  const manifest = JSON.parse((await exec("npm", ["pkg", "get", "devDependencies"], { cwd: repoRoot })).stdout) as Record<string, string>;
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "bank-lambda",
      private: true,
      type: "module",
      dependencies: { edd: `file:${join(scratch, (packed as { filename: string }).filename)}`, pg: manifest.pg, zod: "^4.6.7" },
    }),
  );
  await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project });
  return project;
}

function markdown(results: Record<string, Measured>): string {
  const repository = results.repository as Measured;
  const installed = results["installed package"] as Measured;
  const ratio = (get: (m: Measured) => number) => (get(installed) / get(repository)).toFixed(2);
  return [
    "## Package: Lambda bundle from the installed package",
    "",
    `The bank's Lambda entry bundled with the same esbuild settings twice in one run: from the repository's sources (\`npm run build\`) and from the package installed out of \`npm pack\` into a fresh project (dist/ JavaScript). ${runs} fresh \`node\` processes each, round-robin, medians in ms; in-memory store. Load: \`import()\` of the bundle; first command: an HTTP API 2.0 OpenAccount.`,
    "",
    "| bundle | size at start | index.mjs, path comments and whitespace aside | lazy chunks | load | first command |",
    "|---|---:|---:|---:|---:|---:|",
    ...Object.entries(results).map(
      ([name, m]) =>
        `| ${name} | ${m.bytes} B | ${m.codeBytes} B | ${(m.lazyBytes / 1024).toFixed(0)} KiB | ${m.loadMs} | ${m.firstCommandMs} |`,
    ),
    "",
    `Installed / repository: size at start **${ratio((m) => m.bytes)}** (${installed.bytes - repository.bytes} B; path comments and whitespace aside ${installed.codeBytes - repository.codeBytes} B), load **${ratio((m) => m.loadMs)}**, first command ${ratio((m) => m.firstCommandMs)}. The unminified bundles name each module's path in a comment, longer under \`node_modules/edd/dist/\` than in the repository, and esbuild keeps the line breaks of its input, which tsc's output places differently.`,
    "",
  ].join("\n");
}

function normalizedBytes(file: string): number {
  const text = readFileSync(file, "utf8")
    .replace(/^\/\/ \S+\.(?:[cm]?js|tsx?)\n/gm, "")
    .replace(/\s+/g, " ");
  return Buffer.byteLength(text);
}
