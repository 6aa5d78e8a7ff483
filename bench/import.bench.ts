import { randomBytes } from "node:crypto";
import type { StoredEvent } from "edd";
import { createPostgresClient, migrate } from "edd/postgres";
import { eventHash, sqlImporter } from "edd/sql";
import type { BenchReport } from "./run.js";
import { dropSchemas } from "./schemas.js";

/**
 * `edd import` on local PostgreSQL: one realm of new accounts (an opening event, a snapshot and an
 * owner identity each) imported as one transaction, batch after batch, as a realm move does. Every
 * batch names accounts the realm has not seen, so each runs the importer's checks against a realm
 * that grows under them: the figures show whether a batch at the end costs what one at the start did.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const perBatch = 500;
const batches = Number(process.env.EDD_BENCH_IMPORT_BATCHES ?? 600);
/** The share of batches at each end whose times are compared. */
const edge = 0.1;

const meta = { requestId: "bench", interactionId: "bench", invocationId: "bench", breadcrumbs: [0], user: "bench", command: "Bench" };
const time = new Date(Date.UTC(2026, 0, 1)).toISOString();

function batchAt(realm: string, b: number) {
  const events: StoredEvent[] = [];
  const snapshots = [];
  const identities = [];
  for (let i = 0; i < perBatch; i++) {
    const aggregateId = `acc-${b}-${i}`;
    const owner = `${aggregateId}@example.com`;
    const fields = { realm, service: "accounts", aggregateId, sequence: 1, type: "AccountOpened", data: { owner }, meta, time };
    events.push({ ...fields, hash: eventHash(null, fields) });
    snapshots.push({ service: "accounts", aggregateId, snapshot: { version: 1, state: { owner, balance: 0 } } });
    identities.push({ service: "accounts", name: owner, aggregateId });
  }
  return { events, snapshots, identities };
}

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_import_${randomBytes(4).toString("hex")}`;
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
  const realm = "moved";
  const batchMs: number[] = [];
  let total = 0;
  try {
    await migrate(client, schema);
    const importer = sqlImporter(client, { schema });
    async function* timedBatches() {
      let last = performance.now();
      for (let b = 0; b < batches; b++) {
        yield batchAt(realm, b);
        // Resumed once the importer has written batch b: the time since the previous resume is its cost.
        const now = performance.now();
        batchMs.push(now - last);
        last = now;
      }
    }
    const started = performance.now();
    await importer.importAll(realm, timedBatches());
    total = performance.now() - started;
  } finally {
    await client.close();
    await dropSchemas(databaseUrl, [schema]);
  }
  const events = batches * perBatch;
  const span = Math.max(1, Math.round(batches * edge));
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const first = round(mean(batchMs.slice(0, span)));
  const lastBatches = round(mean(batchMs.slice(-span)));
  const growth = round(lastBatches / first);
  const eventsPerSecond = Math.round(events / (total / 1000));
  const markdown = [
    "## Import (PostgreSQL)",
    "",
    `One realm of ${events.toLocaleString("en")} new accounts imported by \`sqlImporter\` (as \`edd import\` does) in ${batches} batches of ${perBatch}, ` +
      "one transaction: each account brings an opening event, a snapshot and an owner identity, so every batch checks keys the realm has not seen " +
      "against a realm that grows under it.",
    "",
    "| events | seconds | events/s | ms per batch, first 10% | ms per batch, last 10% | last / first |",
    "|---:|---:|---:|---:|---:|---:|",
    `| ${events} | ${round(total / 1000)} | ${eventsPerSecond} | ${first} | ${lastBatches} | **${growth}** |`,
    "",
  ].join("\n");
  return {
    name: "import",
    results: { events, batches, perBatch, seconds: round(total / 1000), eventsPerSecond, firstMs: first, lastMs: lastBatches, growth },
    markdown,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
