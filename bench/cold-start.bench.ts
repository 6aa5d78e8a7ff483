import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BankRuntime, type BundleReport, buildBank, bundle } from "../examples/bank/build.js";
import { type BundleKind, type BundleRun, runBundle } from "../test/parity/bundle-runner.js";
import type { BenchReport } from "./run.js";
import { type Target, target } from "./targets.js";
import { median, round, sampleRoundRobin } from "./samples.js";

/**
 * Cold start of each runtime bundle: a fresh `node` process per run, timed from process start to
 * the bundle loaded and to the first command answered, on the in-memory store. Beside them, minimal
 * hono hello-world bundles built the same way are the baseline. Reports medians and ratios; never fails on timing.
 */

const runs = 7;

const baselines = {
  "hello-lambda": {
    kind: "lambda",
    source: `import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
const app = new Hono();
app.post("/command", async (c) => c.json({ result: await c.req.json() }));
export const handler = handle(app);`,
  },
  "hello-server": {
    kind: "server",
    source: `import { Hono } from "hono";
import { serve } from "@hono/node-server";
const app = new Hono();
app.post("/command", async (c) => c.json({ result: await c.req.json() }));
await new Promise((listening) => serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" }, listening));`,
  },
} as const;

const targets: Record<BankRuntime, { kind: BundleKind; baseline: keyof typeof baselines }> = {
  "aws-lambda": { kind: "lambda", baseline: "hello-lambda" },
  "azure-functions": { kind: "azure", baseline: "hello-lambda" },
  "cloud-run": { kind: "server", baseline: "hello-server" },
  node: { kind: "server", baseline: "hello-server" },
};

interface Medians {
  /** Bytes loaded at start: the entry and the chunks it imports statically. */
  readonly bytes: number;
  /** Bytes of chunks loaded only on demand (the Postgres store, OpenAPI generation, ...). */
  readonly lazyBytes: number;
  /** Files loaded at start (the entry and its statically imported chunks). */
  readonly files: number;
  readonly nodeBootMs: number;
  readonly loadMs: number;
  readonly firstCommandMs: number;
  /** Process start until the bundle is loaded. */
  readonly toLoadedMs: number;
  /** Process start until the first command is answered: the whole cold start. */
  readonly toAnsweredMs: number;
  /** Load and first command only: what the bundle adds to Node's own start-up. */
  readonly bundleMs: number;
}

export async function run(): Promise<BenchReport> {
  const outRoot = mkdtempSync(join(tmpdir(), "edd-cold-start-"));
  try {
    const reports: BundleReport[] = await buildBank(outRoot);
    for (const [name, { source }] of Object.entries(baselines)) reports.push(await bundle(name, { source }, join(outRoot, name)));
    const kinds: Record<string, BundleKind> = {
      ...Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.kind])),
      ...Object.fromEntries(Object.entries(baselines).map(([name, b]) => [name, b.kind])),
    };

    // The serverless bundles refuse to start without an authenticator unless told they run locally
    // (EDD_ANONYMOUS=local), Cloud Run also without a push authenticator; the Node server serves
    // anonymously on loopback by itself and takes only EDD_ANONYMOUS=1 for other addresses.
    const settingsFor = (name: string): Record<string, string> =>
      name === "node" ? {} : { EDD_ANONYMOUS: "local", EDD_PUSH_TOKEN: crypto.randomUUID() };
    const samples = await sampleRoundRobin(reports, runs, (report) =>
      runBundle(kinds[report.name] as BundleKind, report.file, settingsFor(report.name)),
    );
    const medians: Record<string, Medians> = {};
    for (const report of reports) {
      const taken = samples.get(report.name) ?? [];
      const pick = (get: (run: BundleRun) => number) => round(median(taken.map(get)));
      medians[report.name] = {
        bytes: report.startupBytes,
        lazyBytes: report.lazyBytes,
        files: report.startupFiles,
        nodeBootMs: pick((r) => r.nodeBootMs),
        loadMs: pick((r) => r.loadMs),
        firstCommandMs: pick((r) => r.firstCommandMs),
        toLoadedMs: pick((r) => r.nodeBootMs + r.loadMs),
        toAnsweredMs: pick((r) => r.nodeBootMs + r.loadMs + r.firstCommandMs),
        bundleMs: pick((r) => r.loadMs + r.firstCommandMs),
      };
    }
    return {
      name: "cold-start",
      results: { runs, medians, targets: lambdaTargets(medians) },
      markdown: markdown(medians),
      targets: issueTargets(medians),
    };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

/** The issue's targets for the Lambda bundle, measured, not enforced. */
function lambdaTargets(medians: Record<string, Medians>) {
  const lambda = medians["aws-lambda"] as Medians;
  const hello = medians["hello-lambda"] as Medians;
  return {
    "module load (import) < 50 ms": lambda.loadMs < 50,
    "process start to loaded < 50 ms": lambda.toLoadedMs < 50,
    "process start to first command answered < 100 ms": lambda.toAnsweredMs < 100,
    "process start to answered within 2x of hello-world": lambda.toAnsweredMs <= 2 * hello.toAnsweredMs,
    "load + first command within 2x of hello-world": lambda.bundleMs <= 2 * hello.bundleMs,
    "bundle at start < 1 MB": lambda.bytes < 1024 * 1024,
  };
}

/** Issue 16's cold-start goals for the Lambda bundle. */
function issueTargets(medians: Record<string, Medians>): Target[] {
  const lambda = medians["aws-lambda"] as Medians;
  const hello = medians["hello-lambda"] as Medians;
  const command = "npm run bench -- cold-start";
  return [
    target("Lambda cold start: import ms", lambda.loadMs, "<", 40, command),
    target("Lambda cold start: load + first command / hono hello-world", round2(lambda.bundleMs / hello.bundleMs), "<=", 1.5, command),
    target("Lambda cold start: bundle KiB at start", Math.round(lambda.bytes / 1024), "<=", 600, command),
  ];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function markdown(medians: Record<string, Medians>): string {
  const baselineOf = (name: string) => (name in targets ? targets[name as BankRuntime].baseline : undefined);
  const rows = Object.entries(medians).map(([name, m]) => {
    const baseline = baselineOf(name);
    const against = baseline === undefined ? undefined : (medians[baseline] as Medians);
    const ratio = (get: (medians: Medians) => number) => (against === undefined ? "baseline" : `${(get(m) / get(against)).toFixed(2)}x`);
    const times = [m.nodeBootMs, m.loadMs, m.firstCommandMs, m.toLoadedMs, m.toAnsweredMs].join(" | ");
    return `| ${name} | ${(m.bytes / 1024).toFixed(0)} KiB in ${m.files} | ${(m.lazyBytes / 1024).toFixed(0)} KiB | ${times} | ${ratio((x) => x.toAnsweredMs)} | ${ratio((x) => x.bundleMs)} | ${baseline ?? ""} |`;
  });
  const targetLines = Object.entries(lambdaTargets(medians)).map(([target, met]) => `- Lambda ${target}: ${met ? "met" : "missed"}`);
  return [
    "## Cold start",
    "",
    `Each bundle (\`npm run build\`, esbuild, unminified, plain ASCII) in a fresh \`node\` process, ${runs} runs, medians in ms, in-memory store. Size at start: the entry and the chunks it imports statically (files: each one more module for Node to read, compile and link; the Lambda bundle's are folded into its entry, examples/bank/fold-startup-chunks.ts). Node boot: process start to the first line of JavaScript (Node's own start-up). Load: \`import()\` of the bundle (servers: until listening). First command: loaded to the answer of one OpenAccount (Lambda: an HTTP API 2.0 event; Azure: the HTTP handler; servers: over HTTP). Ratios against the hono hello-world bundle of the same kind: from process start to the answer, and for load + first command alone. The Lambda bundle answers a plain \`POST /command\` without the fetch API (runtimes/aws-lambda/direct-command.ts), while the hello-world goes through hono's Lambda adapter, whose first \`Request\` loads Node's fetch implementation (undici): most of the hello-world's first command.`,
    "",
    "| bundle | size at start (files) | loaded on demand | node boot | load | first command | start → loaded | start → answered | ratio (start → answered) | ratio (load + first) | baseline |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows,
    "",
    ...targetLines,
    "",
  ].join("\n");
}
