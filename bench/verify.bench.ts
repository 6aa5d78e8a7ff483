import { randomBytes } from "node:crypto";
import pg from "pg";
import { PostgresCheckpointStore, ensureCheckpointTables } from "../adapters/postgres/checkpoints.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { ensureViewTables, PostgresViewStore } from "../adapters/postgres/view-store.js";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { eventHash, verifyChain } from "../adapters/sql/hash.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { StoredEvent } from "../core/model/events.js";
import { evolveAll } from "../core/pipeline/dispatch/aggregate.js";
import { rebuildProjection } from "../core/pipeline/projections/rebuild.js";
import { auditAggregateLister, verifyRealm } from "../core/pipeline/operations/verify.js";
import { accounts } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";
import type { BenchReport } from "./run.js";
import { viewSqlClient } from "../adapters/sql/from-env.js";

/**
 * `verify` and a projection rebuild on local PostgreSQL, over synthetic bank histories loaded
 * with the SQL importer (hash-chained like real ones). The rebuild is set against a floor: one
 * plain keyset-paged `SELECT … ORDER BY position` folding each document with the same handlers.
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const eventsPerAccount = 20;
const verifyEvents = 20_000;
const rebuildEvents = 100_000;

const meta = { requestId: "bench", interactionId: "bench", invocationId: "bench", breadcrumbs: [0], user: "bench", command: "Bench" };

/** Accounts opened and then deposited into, interleaved the way many clients would write them. */
async function seed(client: SqlClient, schema: string, realm: string, total: number): Promise<void> {
  const importer = sqlImporter(client, { schema });
  const accountCount = total / eventsPerAccount;
  const heads = new Map<string, { hash: string | null; state: unknown }>();
  const time = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const batchSize = 2000;
  for (let offset = 0; offset < total; offset += batchSize) {
    await importer.importAll(realm, once(batchAt(offset)));
  }

  function batchAt(offset: number) {
    const events: StoredEvent[] = [];
    for (let i = offset; i < Math.min(total, offset + batchSize); i++) {
      const aggregateId = `acc-${String(i % accountCount).padStart(6, "0")}`;
      const sequence = Math.floor(i / accountCount) + 1;
      const head = heads.get(aggregateId) ?? { hash: null, state: accounts.initialState() };
      const body =
        sequence === 1
          ? { type: "AccountOpened", data: { owner: `${aggregateId}@example.com` } }
          : { type: "Deposited", data: { amount: sequence } };
      const fields = { realm, service: "accounts", aggregateId, sequence, ...body, meta, time };
      const event: StoredEvent = { ...fields, hash: eventHash(head.hash, fields) };
      heads.set(aggregateId, { hash: event.hash as string, state: evolveAll(accounts, head.state, [event]) });
      events.push(event);
    }
    const touched = [...new Set(events.map((e) => e.aggregateId))];
    const snapshots = touched.map((aggregateId) => {
      const head = heads.get(aggregateId) as { state: unknown };
      const version = events.filter((e) => e.aggregateId === aggregateId).at(-1)?.sequence as number;
      return { service: "accounts", aggregateId, snapshot: { state: head.state, version } };
    });
    return { events, snapshots, identities: [] };
  }
}

async function* once<T>(item: T): AsyncIterable<T> {
  yield item;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

type Summary = Exclude<ReturnType<typeof accountSummaries.apply>, null | undefined>;

/** The floor: read the realm in position order with plain SQL and fold every document in memory. */
async function rawReplay(schema: string, realm: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const documents = new Map<string, Summary | null>();
    let after = "0";
    let count = 0;
    for (;;) {
      const { rows } = await client.query<{
        position: string;
        aggregate_id: string;
        sequence: number;
        type: string;
        data: unknown;
        meta: StoredEvent["meta"];
        time: Date;
      }>(
        `SELECT position::text AS position, aggregate_id, sequence, type, data, meta, "time" FROM "${schema}".events
         WHERE realm = $1 AND position > $2::bigint ORDER BY events.position LIMIT 5000`,
        [realm, after],
      );
      if (rows.length === 0) return count;
      for (const row of rows) {
        const event: StoredEvent = {
          realm,
          service: "accounts",
          aggregateId: row.aggregate_id,
          sequence: row.sequence,
          type: row.type,
          data: row.data,
          meta: row.meta,
          time: row.time.toISOString(),
        };
        const next = accountSummaries.apply(event, documents.get(row.aggregate_id) ?? undefined);
        if (next !== undefined) documents.set(row.aggregate_id, next);
      }
      count += rows.length;
      after = (rows.at(-1) as { position: string }).position;
    }
  } finally {
    await client.end();
  }
}

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_${randomBytes(4).toString("hex")}`;
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 8 });
  const views = viewSqlClient(client);
  try {
    await migrate(client, schema);
    await ensureViewTables(views, schema);
    await ensureCheckpointTables(views, schema);
    await seed(client, schema, "verify", verifyEvents);
    await seed(client, schema, "rebuild", rebuildEvents);

    const store = new SqlStore(client, { schema });
    const verify = await timed(() =>
      verifyRealm({
        store,
        services: [accounts],
        listAggregates: auditAggregateLister(sqlAuditReader(client, { schema })),
        checkChain: verifyChain,
        realm: "verify",
      }),
    );
    if (verify.result.problems.length > 0 || verify.result.events !== verifyEvents)
      throw new Error("verify bench: the seeded realm did not verify");

    const rebuild = await timed(() =>
      rebuildProjection({
        store,
        views: new PostgresViewStore(views, { schema }),
        checkpoints: new PostgresCheckpointStore(views, { schema }),
        projection: accountSummaries,
        realm: "rebuild",
        countEvents: async () => undefined,
      }),
    );
    const floor = await timed(() => rawReplay(schema, "rebuild"));
    if (floor.result !== rebuildEvents || rebuild.result.events !== rebuildEvents) {
      throw new Error(`verify bench: floor read ${floor.result} and rebuild ${rebuild.result.events} of ${rebuildEvents} events`);
    }

    const perSecond = (events: number, seconds: number) => Math.round(events / seconds);
    const results = {
      verifyEvents,
      verifyEventsPerSecond: perSecond(verifyEvents, verify.seconds),
      rebuildEvents,
      rebuildEventsPerSecond: perSecond(rebuild.result.events, rebuild.seconds),
      rawReplayEventsPerSecond: perSecond(floor.result, floor.seconds),
    };
    const markdown = [
      "## verify and projection rebuild (PostgreSQL)",
      "",
      `Synthetic bank realms, ${eventsPerAccount} events per account, loaded with the SQL importer.`,
      "",
      "| measure | events | events/s |",
      "| --- | ---: | ---: |",
      `| \`verify\` (hash chain + snapshot per aggregate) | ${verifyEvents} | ${results.verifyEventsPerSecond} |`,
      `| projection rebuild (accounts.summary, shadow + swap) | ${rebuildEvents} | ${results.rebuildEventsPerSecond} |`,
      `| floor: plain \`SELECT … ORDER BY position\` + same fold, no writes | ${floor.result} | ${results.rawReplayEventsPerSecond} |`,
      "",
      `The rebuild runs at ${(results.rebuildEventsPerSecond / results.rawReplayEventsPerSecond).toFixed(2)}× the floor's rate.`,
      "",
    ].join("\n");
    return { name: "verify", results, markdown };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await client.close();
  }
}
