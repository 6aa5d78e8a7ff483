import { randomBytes } from "node:crypto";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { eventHash, verifyChain } from "../adapters/sql/hash.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { StoredEvent } from "../core/model/events.js";
import { evolveAll } from "../core/pipeline/dispatch/aggregate.js";
import { auditAggregateLister, verifyRealm } from "../core/pipeline/operations/verify.js";
import { accounts } from "../examples/bank/services.js";
import type { BenchReport } from "./run.js";

/**
 * `verify` on local PostgreSQL, over synthetic bank histories loaded with the SQL importer
 * (hash-chained like real ones).
 */
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const eventsPerAccount = 20;
const verifyEvents = 20_000;

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

export async function run(): Promise<BenchReport> {
  const schema = `edd_bench_${randomBytes(4).toString("hex")}`;
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 8 });
  try {
    await migrateSql(client, { schema, components: ["store", "views", "checkpoints"] });
    await seed(client, schema, "verify", verifyEvents);

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

    const perSecond = (events: number, seconds: number) => Math.round(events / seconds);
    const results = {
      verifyEvents,
      verifyEventsPerSecond: perSecond(verifyEvents, verify.seconds),
    };
    const markdown = [
      "## verify (PostgreSQL)",
      "",
      `Synthetic bank realms, ${eventsPerAccount} events per account, loaded with the SQL importer.`,
      "",
      "| measure | events | events/s |",
      "| --- | ---: | ---: |",
      `| \`verify\` (hash chain + snapshot per aggregate) | ${verifyEvents} | ${results.verifyEventsPerSecond} |`,
      "",
      "The projection rebuild has its own section (`npm run bench -- rebuild`).",
      "",
    ].join("\n");
    return { name: "verify", results, markdown };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await client.close();
  }
}
