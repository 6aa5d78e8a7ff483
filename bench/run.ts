import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { buildCompiled, fromSource } from "./compiled.js";
import type { Target } from "./targets.js";

/**
 * Runs every `bench/*.bench.ts` in turn. Each exports `run()` returning its figures and a
 * markdown section; the runner writes them all to results/latest.json and README.md.
 * Benchmarks report ratios against a baseline measured in the same run; they never fail on timing.
 */
export interface BenchReport {
  readonly name: string;
  readonly results: Record<string, unknown>;
  readonly markdown: string;
  /** The issue's goals this bench measures, each with its value from this run. */
  readonly targets?: readonly Target[];
}

const dir = new URL("./", import.meta.url);

const only = process.argv.slice(2);
const selected = readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

// The benches that measure edd as users run it (bench/compiled.ts) import it only as `edd/*`. Started
// with the `source` condition (as `npm run bench` is), `edd/*` resolves to the TypeScript sources here:
// build dist/ once and run those benches in a child process without it, where `edd/*` is dist/. It
// writes its sections first; the other benches (some import edd's source files directly) run here.
const compiledBenches = new Set(["http.bench.ts", "rebuild.bench.ts", "storage.bench.ts", "store.bench.ts"]);
const compiled = !fromSource && process.env.EDD_BENCH_BUILT !== "1" ? selected.filter((file) => compiledBenches.has(file)) : [];
if (compiled.length > 0) await buildCompiled();
const inChild = import.meta.resolve("edd").endsWith(".ts") ? compiled : [];
if (inChild.length > 0) {
  const child = spawnSync(process.execPath, ["--import", "tsx", new URL("run.ts", dir).pathname, ...inChild], {
    stdio: "inherit",
    env: { ...process.env, EDD_BENCH_BUILT: "1" },
  });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
const files = selected.filter((file) => !inChild.includes(file));
if (files.length === 0) process.exit(0);

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
// Targets of the benches run now replace theirs; the others keep their last measurement.
const fresh = reports.flatMap((report) => report.targets ?? []);
const kept = ((earlier.targets ?? []) as Target[]).filter((old) => !fresh.some((t) => t.name === old.name));
const targets = [...kept, ...fresh];
const results = {
  ...earlier,
  machine,
  targets,
  ...Object.fromEntries(reports.map((r) => [r.name, r.results])),
  markdown: sections,
};
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
const readme = [
  "# Benchmarks",
  "",
  "`npm run bench` runs every `bench/*.bench.ts` (or `npm run bench -- <name>` for some) and rewrites this file and `results/latest.json`.",
  "The store, http, storage and rebuild benches run edd as users do, compiled: the runner builds dist/ (`npm run build:lib`) and runs them " +
    "where `edd/*` resolves to it; the HTTP bench's servers (edd's and the hand-written one) and load generator are bundled to JavaScript " +
    "(bench/.build, packages left as imports) and run by `node`. `EDD_BENCH_SOURCE=1` runs them from the TypeScript sources (tsx) instead.",
  `Last run: ${machine.date}, Node ${machine.node}, ${machine.platform}, 2 cores.`,
  "",
  "## Targets",
  "",
  "Each goal of issue 16, measured as a ratio or a figure in one run; `met` is this run's verdict. The command reproduces it.",
  "",
  "| target | value | goal | met | command |",
  "|---|---:|---|---|---|",
  ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.goal} | ${t.met ? "yes" : "**no**"} | \`${t.command}\` |`),
  "",
  ...Object.values(sections),
].join("\n");
writeFileSync(new URL("README.md", dir), `${readme}\n`);
console.error("bench: wrote bench/results/latest.json and bench/README.md");
