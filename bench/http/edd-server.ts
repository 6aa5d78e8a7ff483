import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { anonymousPrincipal, createEngine, type Engine } from "edd";
import { serveNode, startProjections } from "edd/node";
import pg from "pg";
import { createPostgresClient, createPostgresStore, migrateSql, PostgresCheckpointStore, PostgresViewStore } from "edd/postgres";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { RoundTrips } from "../round-trips.js";

/**
 * The bank served by edd's Node runtime on PostgreSQL, as a process of its own for the HTTP bench
 * (DATABASE_URL, SCHEMA, ACCOUNTS). MODE=serve (default) prints `{"url": …}` once listening
 * (DIRECT=0: every request through the hono app, without the runtime's direct command path);
 * MODE=inprocess instead runs CLIENTS concurrent deposit loops through the engine for MEASURE_MS
 * after WARMUP_MS and prints the commands done and this process's CPU over the measured window.
 * BATCHES_FILE=<file>: edd's batched statements (edd:sql:batch) written there as StatementFigures,
 * per command logged: over everything served (written on SIGTERM), or over the measured window.
 */
const accounts = (process.env.ACCOUNTS ?? "").split(",").filter(Boolean);
const store = await createPostgresStore({
  connectionString: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  schema: process.env.SCHEMA ?? "edd_bench_http",
  poolSize: Number(process.env.POOL ?? 16),
});
const engine = createEngine({ services: bankServices, store });
const batches = process.env.BATCHES_FILE === undefined ? undefined : new RoundTrips();
/** Each batched statement per command: every command writes its request-log entry once. */
const writeBatches = () =>
  batches === undefined
    ? undefined
    : writeFileSync(
        process.env.BATCHES_FILE as string,
        JSON.stringify(batches.figures("edd", batches.calls("edd", "request-log entries"))),
      );
await openAccounts(engine, accounts);
batches?.open("edd", 0, Number.POSITIVE_INFINITY);

if (process.env.MODE === "inprocess") {
  const clients = Number(process.env.CLIENTS ?? 16);
  const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
  const measureMs = Number(process.env.MEASURE_MS ?? 4000);
  const from = performance.now() + warmupMs;
  const until = from + measureMs;
  batches?.open("edd", from, until);
  let commands = 0;
  let cpu: NodeJS.CpuUsage | undefined;
  const profiler = process.env.PROFILE === undefined ? undefined : await startProfiler();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const mine = accounts.filter((_, i) => i % clients === client);
      for (let i = 0; performance.now() < until; i++) {
        const began = performance.now();
        if (cpu === undefined && began >= from) cpu = process.cpuUsage();
        const result = await engine.command(deposit(mine[i % mine.length] as string, (i % 9) + 1), anonymousPrincipal);
        if (result.status !== 200) throw new Error(`deposit: ${result.status} ${JSON.stringify(result.body)}`);
        if (began >= from && performance.now() <= until) commands++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  if (profiler !== undefined) writeFileSync(process.env.PROFILE as string, JSON.stringify(await profiler.stop()));
  writeBatches();
  process.stdout.write(`${JSON.stringify({ commands, cpuMs: (used.user + used.system) / 1000, seconds: measureMs / 1000 })}\n`);
  await store.close();
} else {
  const projections = process.env.PROJECTIONS === "1" ? await projectAccounts() : undefined;
  const server = await serveNode(engine, {
    port: 0,
    directCommands: process.env.DIRECT !== "0",
    ...(projections === undefined ? {} : { workers: [projections.worker] }),
  });
  // PROFILE=<file>: a CPU profile of the serving only (start-up left out), written on SIGTERM.
  const profiler = process.env.PROFILE === undefined ? undefined : await startProfiler();
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once("SIGTERM", async () => {
    if (profiler !== undefined) writeFileSync(process.env.PROFILE as string, JSON.stringify(await profiler.stop()));
    writeBatches();
    server
      .close()
      .then(() => {
        if (projections !== undefined) writeFileSync(process.env.LAG_FILE as string, JSON.stringify(projections.lags));
      })
      .finally(() => process.exit(0));
  });
}

/**
 * PROJECTIONS=1: the bank's accounts.summary projected in this process, as the example's server does.
 * Each event's lag is taken when the checkpoint moves past its page (its view document is then
 * visible): from the event's time (the decision, just before the commit) to that moment, in ms.
 */
async function projectAccounts() {
  const schema = process.env.SCHEMA ?? "edd_bench_http";
  const connectionString = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const migrations = createPostgresClient({ connectionString, poolSize: 1 });
  await migrateSql(migrations, { schema, components: ["views", "checkpoints"] }).finally(() => migrations.close());
  const client = new pg.Pool({ connectionString, max: 2 });
  const checkpoints = new PostgresCheckpointStore(client, { schema });
  const lags: number[] = [];
  let page: readonly { readonly time: string }[] = [];
  const worker = startProjections({
    store: {
      readFeed: async (realm, checkpoint, limit) => {
        const read = await store.readFeed(realm, checkpoint, limit);
        page = read.events;
        return read;
      },
    },
    views: new PostgresViewStore(client, { schema }),
    checkpoints: {
      load: (realm, name) => checkpoints.load(realm, name),
      put: (realm, name, value) => checkpoints.put(realm, name, value),
      remove: (realm, name) => checkpoints.remove(realm, name),
      advance: async (realm, name, from, to) => {
        const advanced = await checkpoints.advance(realm, name, from, to);
        const now = Date.now();
        for (const event of page) lags.push(now - Date.parse(event.time));
        return advanced;
      },
    },
    projections: [accountSummaries],
    realms: [anonymousPrincipal.realm],
    engine,
  });
  return { worker: { stop: () => worker.stop().then(() => client.end()) }, lags };
}

async function startProfiler(): Promise<{ stop(): Promise<unknown> }> {
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  await post("Profiler.enable");
  await post("Profiler.start");
  return { stop: async () => ((await post("Profiler.stop")) as { profile: unknown }).profile };
}

function deposit(account: string, amount: number) {
  return {
    requestId: randomUUID(),
    interactionId: randomUUID(),
    commands: [{ command: "Deposit", aggregateId: account, attributes: { amount } }],
  };
}

async function openAccounts(target: Engine, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const result = await target.command(
      {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }],
      },
      anonymousPrincipal,
    );
    if (result.status !== 200) throw new Error(`open ${id}: ${JSON.stringify(result.body)}`);
  }
}
