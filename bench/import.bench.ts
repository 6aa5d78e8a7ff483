import { randomBytes } from "node:crypto";
import type { StoredEvent } from "edd";
import { createPostgresClient, migrate } from "edd/postgres";
import { createPgliteClient } from "edd/pglite";
import { eventHash, type SqlClient, sqlImporter } from "edd/sql";
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
/** PGlite runs in this process, one core: a third as many. */
const pgliteBatches = Math.round(batches / 3);
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

interface ImportFigures {
  readonly store: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Mean ms per batch over the first and the last 10% of batches, and their ratio. */
  readonly firstMs: number;
  readonly lastMs: number;
  readonly growth: number;
}

/** Imports `count` batches into a migrated store through `client`, timing each batch. */
async function importInto(store: string, client: SqlClient, schema: string, count: number): Promise<ImportFigures> {
  const realm = "moved";
  const batchMs: number[] = [];
  await migrate(client, schema);
  const importer = sqlImporter(client, { schema });
  async function* timedBatches() {
    let last = performance.now();
    for (let b = 0; b < count; b++) {
      yield batchAt(realm, b);
      // Resumed once the importer has written batch b: the time since the previous resume is its cost.
      const now = performance.now();
      batchMs.push(now - last);
      last = now;
    }
  }
  const started = performance.now();
  await importer.importAll(realm, timedBatches());
  const seconds = (performance.now() - started) / 1000;
  const events = count * perBatch;
  const span = Math.max(1, Math.round(count * edge));
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const firstMs = round(mean(batchMs.slice(0, span)));
  const lastMs = round(mean(batchMs.slice(-span)));
  return {
    store,
    events,
    seconds: round(seconds),
    eventsPerSecond: Math.round(events / seconds),
    firstMs,
    lastMs,
    growth: round(lastMs / firstMs),
  };
}

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_import_${randomBytes(4).toString("hex")}`;
  const postgres = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
  const figures: ImportFigures[] = [];
  try {
    figures.push(await importInto("PostgreSQL", postgres, schema, batches));
  } finally {
    await postgres.close();
    await dropSchemas(databaseUrl, [schema]);
  }
  const pglite = await createPgliteClient();
  try {
    figures.push(await importInto("PGlite (in memory)", pglite, "edd", pgliteBatches));
  } finally {
    await pglite.close();
  }
  const markdown = [
    "## Import (PostgreSQL, PGlite)",
    "",
    `One realm of new accounts imported by \`sqlImporter\` (as \`edd import\` does) in batches of ${perBatch}, one transaction: each account ` +
      "brings an opening event, a snapshot and an owner identity, so every batch checks keys the realm has not seen against a realm that grows " +
      "under it. A batch at the end should cost what one at the start did (last / first near 1).",
    "",
    "| store | events | seconds | events/s | ms per batch, first 10% | ms per batch, last 10% | last / first |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) => `| ${f.store} | ${f.events} | ${f.seconds} | ${f.eventsPerSecond} | ${f.firstMs} | ${f.lastMs} | **${f.growth}** |`,
    ),
    "",
  ].join("\n");
  return { name: "import", results: { perBatch, figures }, markdown };
}

const round = (n: number) => Math.round(n * 100) / 100;
