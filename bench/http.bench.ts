import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProfileSummary, summariseProfile } from "./http/profile.js";
import { cpuSecondsOf, machineCpuSeconds, postgresCpuSeconds } from "./cpu.js";
import { type BenchProcess, runBenchProcess, startBenchProcess } from "./http/processes.js";
import { type StatementFigures, statementTable } from "./round-trips.js";
import type { BenchReport } from "./run.js";
import { type Target, target } from "./targets.js";
import { dropSchemas } from "./schemas.js";

/**
 * edd over HTTP against a hand-written hono + pg deposit service, both as processes of their own,
 * loaded by autocannon in a third process with alternating rounds. Then the Node CPU per command
 * of edd's server against the same engine driven in process, and a CPU profile of the server.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const connections = 16;
const accounts = Array.from({ length: 128 }, (_, i) => `acc-${String(i).padStart(3, "0")}`);
const rounds = Number(process.env.EDD_BENCH_HTTP_ROUNDS ?? 3);
const warmupS = 1;
const durationS = Number(process.env.EDD_BENCH_HTTP_SECONDS ?? 5);
const command = "npm run bench -- http";

interface LoadResult {
  readonly ok: number;
  readonly other: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Round extends LoadResult {
  /** Server CPU over warm-up and measured run, per 2xx answer of both. */
  readonly cpuMsPerCommand: number;
  /** The same for all local postgres processes (0 where /proc cannot tell). */
  readonly postgresCpuMsPerCommand: number;
  /** The machine's idle share over warm-up and measured run (all cores). */
  readonly idleShare: number;
}

type Server = BenchProcess<{ url: string }>;

/** The edd servers load.ts sends edd's envelope to: the runtime as it serves, and through the hono app only. */
type Kind = "hand" | "edd" | "app";

/** One load round; `rate` holds it to that many requests per second (else as fast as answers come). */
async function loadRound(server: Server, kind: Kind, rate?: number): Promise<Round> {
  const cpuBefore = cpuSecondsOf(server.pid);
  const postgresBefore = postgresCpuSeconds() ?? 0;
  const machineBefore = machineCpuSeconds();
  const result = await runBenchProcess<LoadResult & { warmupOk: number }>("load.ts", {
    URL: server.first.url,
    KIND: kind === "hand" ? "hand" : "edd",
    ACCOUNTS: accounts.join(","),
    CONNECTIONS: String(connections),
    WARMUP_S: String(warmupS),
    DURATION_S: String(durationS),
    ...(rate === undefined ? {} : { RATE: String(rate) }),
  });
  const cpuMs = (cpuSecondsOf(server.pid) - cpuBefore) * 1000;
  const postgresMs = ((postgresCpuSeconds() ?? 0) - postgresBefore) * 1000;
  const machine = machineCpuSeconds();
  const busy = machine.busy - machineBefore.busy;
  const idle = machine.idle - machineBefore.idle;
  if (result.other > 0 || result.errors > 0) throw new Error(`${kind}: ${result.other} non-2xx answers, ${result.errors} errors`);
  const answers = result.ok + result.warmupOk;
  return {
    ...result,
    cpuMsPerCommand: cpuMs / answers,
    postgresCpuMsPerCommand: postgresMs / answers,
    idleShare: busy + idle > 0 ? idle / (busy + idle) : 0,
  };
}

function summarise(list: readonly Round[]) {
  const ok = list.reduce((sum, r) => sum + r.ok, 0);
  const seconds = list.reduce((sum, r) => sum + r.seconds, 0);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    commands: ok,
    commandsPerSecond: Math.round(ok / seconds),
    p50Ms: median(list.map((r) => r.p50Ms)),
    p99Ms: median(list.map((r) => r.p99Ms)),
    nodeCpuMsPerCommand: round3(list.reduce((sum, r) => sum + r.cpuMsPerCommand * r.ok, 0) / ok),
    postgresCpuMsPerCommand: round3(list.reduce((sum, r) => sum + r.postgresCpuMsPerCommand * r.ok, 0) / ok),
    idlePercent: Math.round((100 * list.reduce((sum, r) => sum + r.idleShare, 0)) / list.length),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const schemaName = (part: string) => `edd_bench_${part}_${randomBytes(4).toString("hex")}`;

const serverEnv = (schema: string) => ({ DATABASE_URL: databaseUrl, SCHEMA: schema, ACCOUNTS: accounts.join(","), POOL: "16" });

/** One more edd server, profiled (V8's CPU profiler, as `node --cpu-prof`) while it serves one round. */
async function profileRound(schema: string): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(tmpdir(), "edd-bench-prof-"));
  const file = join(dir, "serve.cpuprofile");
  try {
    const server = await startBenchProcess<{ url: string }>("edd-server.ts", { ...serverEnv(schema), PROFILE: file });
    await loadRound(server, "edd");
    await server.stop();
    return summariseProfile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProjectionLag {
  readonly commandsPerSecond: number;
  readonly events: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One more edd server round with accounts.summary projected in the server process: each event's lag to its view. */
async function projectionRound(schema: string): Promise<ProjectionLag> {
  const dir = mkdtempSync(join(tmpdir(), "edd-bench-lag-"));
  const file = join(dir, "lags.json");
  try {
    const server = await startBenchProcess<{ url: string }>("edd-server.ts", { ...serverEnv(schema), PROJECTIONS: "1", LAG_FILE: file });
    const round = await loadRound(server, "edd");
    await server.stop();
    const lags = (JSON.parse(readFileSync(file, "utf8")) as number[]).sort((a, b) => a - b);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
    return { commandsPerSecond: Math.round(round.ok / round.seconds), events: lags.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchReport> {
  const schemas = {
    hand: schemaName("hand"),
    edd: schemaName("http"),
    app: schemaName("app"),
    inprocess: schemaName("inproc"),
    profile: schemaName("prof"),
    lag: schemaName("lag"),
  };
  const hand = await startBenchProcess<{ url: string }>("hand-written.ts", serverEnv(schemas.hand));
  const batchDir = mkdtempSync(join(tmpdir(), "edd-bench-batches-"));
  const batchFiles = { http: join(batchDir, "http.json"), inprocess: join(batchDir, "inprocess.json") };
  const edd = await startBenchProcess<{ url: string }>("edd-server.ts", { ...serverEnv(schemas.edd), BATCHES_FILE: batchFiles.http });
  const app = await startBenchProcess<{ url: string }>("edd-server.ts", { ...serverEnv(schemas.app), DIRECT: "0" });
  const servers: Record<Kind, Server> = { hand, edd, app };
  const samples: Record<Kind, Round[]> = { hand: [], edd: [], app: [] };
  let inprocess: { commands: number; cpuMs: number; seconds: number };
  let bare: ReturnType<typeof summarise>;
  let profile: ProfileSummary;
  let lag: ProjectionLag;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 === 0 ? (["hand", "edd", "app"] as const) : (["app", "edd", "hand"] as const)) {
        console.error(`http bench: ${kind}, round ${r + 1}`);
        samples[kind].push(await loadRound(servers[kind], kind));
      }
    }
    await Promise.all([hand.stop(), edd.stop(), app.stop()]);
    console.error("http bench: in process");
    inprocess = await runBenchProcess("edd-server.ts", {
      ...serverEnv(schemas.inprocess),
      MODE: "inprocess",
      BATCHES_FILE: batchFiles.inprocess,
      CLIENTS: String(connections),
      WARMUP_MS: String(warmupS * 1000),
      MEASURE_MS: String(durationS * 1000),
    });
    console.error("http bench: node:http alone at edd's rate");
    const bareServer = await startBenchProcess<{ url: string }>("bare-server.ts", {});
    try {
      bare = summarise([await loadRound(bareServer, "edd", summarise(samples.edd).commandsPerSecond)]);
    } finally {
      await bareServer.stop();
    }
    console.error("http bench: CPU profile");
    profile = await profileRound(schemas.profile);
    console.error("http bench: projection lag");
    lag = await projectionRound(schemas.lag);
  } finally {
    await Promise.all([hand.stop(), edd.stop(), app.stop()]);
    await dropSchemas(databaseUrl, Object.values(schemas));
  }

  const batches = {
    http: JSON.parse(readFileSync(batchFiles.http, "utf8")) as StatementFigures[],
    inprocess: JSON.parse(readFileSync(batchFiles.inprocess, "utf8")) as StatementFigures[],
  };
  rmSync(batchDir, { recursive: true, force: true });
  const handFigures = summarise(samples.hand);
  const eddFigures = summarise(samples.edd);
  const appFigures = summarise(samples.app);
  const inprocessCpu = round3(inprocess.cpuMs / inprocess.commands);
  const ratio = round2(eddFigures.commandsPerSecond / handFigures.commandsPerSecond);
  const overhead = round2(eddFigures.nodeCpuMsPerCommand / inprocessCpu);
  const appOverhead = round2(appFigures.nodeCpuMsPerCommand / inprocessCpu);
  // The least the overhead ratio could read with node:http: the engine's in-process CPU plus HTTP's own.
  const bareOverhead = round2((inprocessCpu + bare.nodeCpuMsPerCommand) / inprocessCpu);
  const targets: Target[] = [
    target("HTTP: edd over HTTP / hand-written hono + pg (commands/s)", ratio, ">=", 1.2, command),
    target("HTTP overhead: Node CPU per command over HTTP / in process", overhead, "<=", 1.3, command),
  ];
  const row = (name: string, f: ReturnType<typeof summarise>) =>
    `| ${name} | ${f.commandsPerSecond} | ${f.p50Ms} | ${f.p99Ms} | ${f.nodeCpuMsPerCommand} | ${f.postgresCpuMsPerCommand} | ${f.idlePercent}% |`;
  const markdown = [
    "## HTTP: edd against a hand-written hono + pg service",
    "",
    `Each service is a Node process of its own on local PostgreSQL; autocannon, in a third process, keeps ${connections} connections ` +
      `posting deposits on ${accounts.length} accounts (taken round-robin), ${warmupS} s warm-up then ${durationS} s measured per round, ` +
      `${rounds} rounds alternating which service goes first. The hand-written service (\`bench/http/hand-written.ts\`): zod-checked ` +
      "body, then one transaction: look up the response, lock the snapshot, insert the event, upsert the snapshot, insert the response; " +
      "no request log, hash chain or outbox. Both servers run compiled (bench/compiled.ts: bundled by esbuild, edd from dist/) under plain `node`. " +
      "Node CPU: the server process's CPU (from /proc) per 2xx answer; Postgres CPU: all local postgres processes' per 2xx answer; " +
      "idle: the machine's idle share over the rounds (both cores; the load generator's CPU is the rest).",
    "",
    "| service | commands/s | p50 ms (median of rounds) | p99 ms | server Node CPU ms/cmd | Postgres CPU ms/cmd | machine idle |",
    "|---|---:|---:|---:|---:|---:|---:|",
    row("hand-written hono + pg", handFigures),
    row("edd Node runtime (bank example)", eddFigures),
    row("the same, every request through the hono app (`directCommands: false`)", appFigures),
    "",
    `edd / hand-written: **${ratio}**. The same engine driven in process by ${connections} concurrent loops (no HTTP) spends ` +
      `${inprocessCpu} ms of Node CPU per command (${Math.round(inprocess.commands / inprocess.seconds)} commands/s): over HTTP it is ` +
      `**${overhead}×** that (${appOverhead}× through the hono app only). ` +
      `node:http alone (\`bench/http/bare-server.ts\`: read the body, parse it, answer a JSON body of the same size; no framework, no database), ` +
      `loaded the same way at edd's rate (${bare.commandsPerSecond} requests/s), spends ${bare.nodeCpuMsPerCommand} ms per request: ` +
      `edd's HTTP path adds ${round3(eddFigures.nodeCpuMsPerCommand - inprocessCpu)} ms to the in-process figure, and HTTP's own cost alone ` +
      `would make the ratio ${bareOverhead}×.`,
    "",
    "edd's batched statements (`edd:sql:batch`) in the same run, per command: in process over the measured window, and over HTTP " +
      "over the edd runtime's rounds (warm-ups included). Over HTTP, requests reach the server spread over time rather than in step, " +
      "so fewer share each statement, and each command pays a larger share of every statement's fixed cost.",
    "",
    ...statementTable("driven", [
      ...batches.inprocess.map((b) => ["in process", b] as const),
      ...batches.http.map((b) => ["over HTTP", b] as const),
    ]),
    "",
    `### Live projection lag: one more edd round with the bank's \`accounts.summary\` projected in the server process (${lag.commandsPerSecond} commands/s)`,
    "",
    "Each event's lag: from its time (the decision, just before its commit) to the moment the projector's checkpoint moved past its page, when its view document is visible. " +
      `The projection worker drains the feed, then polls every 500 ms unless woken. Over ${lag.events} events:`,
    "",
    "| p50 ms | p99 ms | max ms |",
    "|---:|---:|---:|",
    `| ${lag.p50Ms} | ${lag.p99Ms} | ${lag.maxMs} |`,
    "",
    `### Where the time goes: CPU profile of edd's server serving one more round (V8's sampling profiler, start-up left out, ${profile.busyMs} ms busy)`,
    "",
    "The profiler samples the JavaScript thread on a timer, so on a loaded machine a frame's self time includes time the thread was descheduled in it: `writev` (socket writes, each waking a PostgreSQL backend) weighs far less in CPU time: measured without the profiler, the server's system CPU is a small part of its CPU per command.",
    "",
    "Self time by origin:",
    "",
    "| area | self ms | share of busy |",
    "|---|---:|---:|",
    ...profile.areas.map((line) => `| ${line.name} | ${line.ms} | ${line.share}% |`),
    "",
    "Top functions by self time:",
    "",
    "| function | self ms | share of busy |",
    "|---|---:|---:|",
    ...profile.functions.map((line) => `| \`${line.name.replaceAll("|", "\\|")}\` | ${line.ms} | ${line.share}% |`),
    "",
  ].join("\n");
  return {
    name: "http",
    results: {
      connections,
      accounts: accounts.length,
      rounds,
      warmupS,
      durationS,
      hand: handFigures,
      edd: eddFigures,
      app: appFigures,
      inprocessCpu,
      ratio,
      overhead,
      appOverhead,
      batches,
      bare,
      bareOverhead,
      profile,
      projectionLag: lag,
    },
    markdown,
    targets,
  };
}
