import { randomBytes, randomUUID } from "node:crypto";
import { anonymousPrincipal, createEngine, type Engine } from "edd";
import { pruneResponses } from "edd/pipeline";
import { createPostgresClient, createPostgresStore } from "edd/postgres";
import { sqlRequestLogPruner } from "edd/sql";
import pg from "pg";
import { bankServices } from "../examples/bank/services.js";
import type { BenchReport } from "./run.js";
import { type Target, target } from "./targets.js";

/**
 * Bytes PostgreSQL keeps per command: the bank's deposits from 16 clients in process, then
 * pg_total_relation_size of each table (heap, TOAST and indexes) over the commands, before and
 * after `edd prune --responses` with every response past the window. Both measures follow a
 * VACUUM FULL, so they count the live rows (what a table with routine vacuum settles at), not the
 * dead versions this server's settings may leave behind.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
// The issue's scale (120,000 deposits). Hash indexes grow by doubling their buckets, so their bytes
// per row saw-tooth with the row count (the request log's two: 24 to 35 bytes a row since migration 9).
const deposits = Number(process.env.EDD_BENCH_STORAGE_COMMANDS ?? 120_000);
const clients = 16;
const accounts = Array.from({ length: 128 }, (_, i) => `acc-${String(i).padStart(3, "0")}`);
const tables = ["events", "request_log", "responses", "snapshots", "outbox", "identities", "dead_letters"] as const;

const envelope = (command: string, aggregateId: string, attributes: Record<string, unknown>) => ({
  requestId: randomUUID(),
  interactionId: randomUUID(),
  commands: [{ command, aggregateId, attributes }],
});

/** Earlier points of the same run where the trail is measured too: a hash index's bytes per row depend on the row count. */
const checkpoints = [10_000, 20_000, 40_000, 60_000, 80_000, 100_000].filter((count) => count < deposits);

async function openAccounts(engine: Engine): Promise<void> {
  for (const id of accounts) {
    const opened = await engine.command(envelope("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
    if (opened.status !== 200) throw new Error(`open ${id}: ${JSON.stringify(opened.body)}`);
  }
}

/** Deposits number `from` to `to` (exclusive) from 16 concurrent clients. */
async function depositRange(engine: Engine, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = next++; i < to; i = next++) {
        const account = accounts[(client + clients * i) % accounts.length] as string;
        const result = await engine.command(envelope("Deposit", account, { amount: (i % 9) + 1 }), anonymousPrincipal);
        if (result.status !== 200) throw new Error(`deposit: ${JSON.stringify(result.body)}`);
      }
    }),
  );
}

/** Each index of the two big tables (sizes as the last VACUUM FULL rebuilt them), to see what each costs. */
async function bytesPerIndex(admin: pg.Client, schema: string): Promise<Record<string, number>> {
  const rows = await admin.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_relation_size(i.indexrelid)::text AS size FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ANY($1::regclass[]) ORDER BY c.relname`,
    [[`"${schema}".events`, `"${schema}".request_log`]],
  );
  return Object.fromEntries(rows.rows.map((row) => [row.name, Number(row.size)]));
}

async function bytesPerTable(admin: pg.Client, schema: string, measured: readonly string[] = tables): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const table of measured) {
    await admin.query(`VACUUM FULL "${schema}".${table}`);
    const row = await admin.query<{ size: string }>("SELECT pg_total_relation_size($1::regclass)::text AS size", [`"${schema}".${table}`]);
    sizes[table] = Number(row.rows[0]?.size ?? 0);
  }
  return sizes;
}

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_storage_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: clients });
  try {
    console.error(`storage bench: ${deposits} deposits`);
    const engine = createEngine({ services: bankServices, store });
    await openAccounts(engine);
    // At each checkpoint, every table but `responses`: what edd prune --responses leaves.
    const trail: { commands: number; bytesPerCommand: number }[] = [];
    let done = 0;
    for (const checkpoint of checkpoints) {
      await depositRange(engine, done, checkpoint);
      done = checkpoint;
      const sizes = await bytesPerTable(
        admin,
        schema,
        tables.filter((table) => table !== "responses"),
      );
      const count = accounts.length + checkpoint;
      trail.push({ commands: count, bytesPerCommand: Math.round(Object.values(sizes).reduce((sum, bytes) => sum + bytes, 0) / count) });
    }
    await depositRange(engine, done, deposits);
    const commands = accounts.length + deposits;
    const unpruned = await bytesPerTable(admin, schema);
    // Every response is past the window: the steady state of a service older than its window.
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    const pruner = sqlRequestLogPruner(client, { schema });
    const before = new Date(Date.now() + 1000).toISOString();
    const pruned = await pruneResponses({ pruner, realm: "default", before, batchSize: 1000 }).finally(() => client.close());
    const after = await bytesPerTable(admin, schema);
    const indexes = await bytesPerIndex(admin, schema);
    const perCommand = (sizes: Record<string, number>) =>
      Object.fromEntries(Object.entries(sizes).map(([table, bytes]) => [table, Math.round(bytes / commands)]));
    const total = (sizes: Record<string, number>) => Math.round(Object.values(sizes).reduce((sum, bytes) => sum + bytes, 0) / commands);
    const results = {
      commands,
      prunedResponses: pruned,
      beforeBytesPerCommand: perCommand(unpruned),
      afterBytesPerCommand: perCommand(after),
      totalBefore: total(unpruned),
      totalAfter: total(after),
      indexBytesPerCommand: perCommand(indexes),
      trail,
    };
    const highest = Math.max(results.totalAfter, ...trail.map((point) => point.bytesPerCommand));
    const targets: Target[] = [
      target(
        "Storage: bytes per command after edd prune --responses (steady state)",
        results.totalAfter,
        "<",
        1024,
        "npm run bench -- storage",
      ),
      target(
        `Storage: highest bytes per command after prune over the run (${trail.length + 1} points, ${accounts.length + (checkpoints[0] ?? deposits)} to ${commands} commands)`,
        highest,
        "<",
        1024,
        "npm run bench -- storage",
      ),
    ];
    const markdown = [
      "## Storage per command (PostgreSQL)",
      "",
      `${commands} commands (${accounts.length} OpenAccount, ${deposits} Deposit from ${clients} clients in process) on a fresh schema. ` +
        "Bytes per command: `pg_total_relation_size` (heap, TOAST, indexes) of each table after `VACUUM FULL`, divided by the commands. " +
        `After: \`edd prune --responses <window>\` with every response past the window (${pruned} deleted); the request log ` +
        "(retention years by default) and the events stay.",
      "",
      "| table | bytes/command before | after prune --responses |",
      "|---|---:|---:|",
      ...tables.map((table) => `| ${table} | ${results.beforeBytesPerCommand[table]} | ${results.afterBytesPerCommand[table]} |`),
      `| **total** | **${results.totalBefore}** | **${results.totalAfter}** |`,
      "",
      `Of which indexes (bytes/command): ${Object.entries(results.indexBytesPerCommand)
        .map(([index, bytes]) => `${index} ${bytes}`)
        .join(", ")}.`,
      "",
      `The same run measured earlier (every table but \`responses\`, after \`VACUUM FULL\`): ${trail
        .map((point) => `${point.commands.toLocaleString("en")} commands ${point.bytesPerCommand}`)
        .join(", ")}; the highest of these and the final figure: **${highest}** bytes per command.`,
      "",
      "Hash indexes double their buckets as they grow, so their bytes per row saw-tooth with the row count: the request log's two " +
        "take 24 to 35 bytes a row, filled to 100% before a split since migration 9 (35 to 53 at the default 75%). " +
        "`EDD_BENCH_STORAGE_COMMANDS` changes the scale (120,000 deposits by default, the issue's).",
      "",
    ].join("\n");
    return { name: "storage", results, markdown, targets };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end();
  }
}
