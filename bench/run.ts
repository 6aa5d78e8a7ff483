import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Runs every `bench/*.bench.ts` in turn. Each exports `run()` returning its figures and a
 * markdown section; the runner writes them all to results/latest.json and README.md.
 * Benchmarks report ratios against a baseline measured in the same run; they never fail on timing.
 */
export interface BenchReport {
  readonly name: string;
  readonly results: Record<string, unknown>;
  readonly markdown: string;
}

const dir = new URL("./", import.meta.url);
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

const reports: BenchReport[] = [];
for (const file of files) {
  console.error(`bench: ${file}`);
  const module = (await import(new URL(file, dir).href)) as { run: () => Promise<BenchReport> };
  reports.push(await module.run());
}

const machine = { node: process.version, platform: `${process.platform}-${process.arch}`, date: new Date().toISOString() };
// A filtered run replaces only its own sections; the others keep their last results.
const resultsFile = new URL("results/latest.json", dir);
const earlier = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, unknown>) : {};
const earlierSections = (earlier.markdown ?? {}) as Record<string, string>;
const sections = { ...earlierSections, ...Object.fromEntries(reports.map((r) => [r.name, r.markdown])) };
const results = { ...earlier, machine, ...Object.fromEntries(reports.map((r) => [r.name, r.results])), markdown: sections };
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
const readme = [
  "# Benchmarks",
  "",
  "`npm run bench` runs every `bench/*.bench.ts` (or `npm run bench -- <name>` for some) and rewrites this file and `results/latest.json`.",
  `Last run: ${machine.date}, Node ${machine.node}, ${machine.platform}, 2 cores.`,
  "",
  ...Object.values(sections),
].join("\n");
writeFileSync(new URL("README.md", dir), `${readme}\n`);
console.error("bench: wrote bench/results/latest.json and bench/README.md");
