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
// per row saw-tooth with the row count: at 20,000 the request log's two sit just past a doubling
// (53 bytes a row each), at 120,000 near the middle of a cycle (35).
const deposits = Number(process.env.EDD_BENCH_STORAGE_COMMANDS ?? 120_000);
const clients = 16;
const accounts = Array.from({ length: 128 }, (_, i) => `acc-${String(i).padStart(3, "0")}`);
const tables = ["events", "request_log", "responses", "snapshots", "outbox", "identities", "dead_letters"] as const;

const envelope = (command: string, aggregateId: string, attributes: Record<string, unknown>) => ({
  requestId: randomUUID(),
  interactionId: randomUUID(),
  commands: [{ command, aggregateId, attributes }],
});

async function issue(engine: Engine): Promise<number> {
  for (const id of accounts) {
    const opened = await engine.command(envelope("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
    if (opened.status !== 200) throw new Error(`open ${id}: ${JSON.stringify(opened.body)}`);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = next++; i < deposits; i = next++) {
        const account = accounts[(client + clients * i) % accounts.length] as string;
        const result = await engine.command(envelope("Deposit", account, { amount: (i % 9) + 1 }), anonymousPrincipal);
        if (result.status !== 200) throw new Error(`deposit: ${JSON.stringify(result.body)}`);
      }
    }),
  );
  return accounts.length + deposits;
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

async function bytesPerTable(admin: pg.Client, schema: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const table of tables) {
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
    const commands = await issue(createEngine({ services: bankServices, store }));
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
    };
    const targets: Target[] = [
      target(
        "Storage: bytes per command after edd prune --responses (steady state)",
        results.totalAfter,
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
      "Hash indexes double their buckets as they grow, so their bytes per row saw-tooth with the row count: the request log's two " +
        "take about 53 bytes a row just past a doubling (20,000 deposits) and 35 at the issue's 120,000 (the default here; " +
        "`EDD_BENCH_STORAGE_COMMANDS` changes it).",
      "",
    ].join("\n");
    return { name: "storage", results, markdown, targets };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end();
  }
}
