import { expect } from "vitest";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { verifyChain } from "../adapters/sql/hash.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { migrate, migrations } from "../adapters/sql/migrations.js";
import { tablesIn } from "../adapters/sql/schema.js";
import { SqlStore } from "../adapters/sql/store.js";
import { createEngine, type Engine } from "../core/index.js";
import type { StoredEvent } from "../core/model/events.js";
import { createOutboxRelay, exportRealm, importRealm } from "edd/pipeline";
import { eventHash } from "../adapters/sql/hash.js";
import { bankServices } from "../examples/bank/services.js";
import { describeOnSqlEngines } from "./support/sql-engines.js";

/**
 * Migration 8 (issue 16, storage per command): json columns, the request log naming the transaction
 * of its events (the audit's way to a request's events), 32-byte hashes, and meta without a user and
 * actor equal to its initiator. A store at version 7 holding what the code before wrote reads back
 * identically after it; the audit still finds each request's events, grouped commits and realms included.
 */
const clara = { id: "clara", realm: "default", roles: [] };
const otto = { id: "otto", realm: "other", roles: [] };
const open = (id: string) => ({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } });
const deposit = (id: string, amount: number) => ({ command: "Deposit", aggregateId: id, attributes: { amount } });

async function send(engine: Engine, commands: readonly object[], principal = clara, requestId = crypto.randomUUID()) {
  const answer = await engine.command({ requestId, interactionId: crypto.randomUUID(), commands }, principal);
  return { requestId, status: answer.status };
}

/** A store's whole history: opens, concurrent deposits (group commits), a refusal, a transfer through effects, a second realm. */
async function writeHistory(store: SqlStore): Promise<void> {
  const engine = createEngine({ services: bankServices, store });
  const accounts = Array.from({ length: 8 }, (_, i) => `a-${i}`);
  await send(engine, accounts.map(open));
  await Promise.all(Array.from({ length: 24 }, (_, i) => send(engine, [deposit(accounts[i % 8] as string, i + 1)])));
  await send(engine, [{ command: "Withdraw", aggregateId: "a-0", attributes: { amount: 10_000 } }]);
  await send(engine, [{ command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 5 } }]);
  await createOutboxRelay(engine).drain();
  await send(engine, [open("b-1"), deposit("b-1", 3)], otto);
}

/** What every reader of a realm sees: feed, aggregates, export, request log and the audit's lookups. */
async function readEverything(client: SqlClient, schema: string, realm: string) {
  const store = new SqlStore({ ...client, close: async () => {} }, { schema });
  const feed: StoredEvent[] = [];
  let checkpoint: string | undefined;
  for (;;) {
    const page = await store.readFeed(realm, checkpoint, 7);
    if (page.events.length === 0) break;
    feed.push(...page.events);
    checkpoint = page.checkpoint;
  }
  const aggregates = [...new Set(feed.map((event) => `${event.service}/${event.aggregateId}`))].sort();
  const loaded = [];
  for (const key of aggregates) {
    const [service, aggregateId] = key.split("/") as [string, string];
    const events = await store.readAggregateEvents({ realm, service, aggregateId });
    expect(verifyChain(events)).toBeUndefined();
    loaded.push({ key, events, state: await store.loadAggregateState({ realm, service, aggregateId }) });
  }
  const importer = sqlImporter(client, { schema });
  const exported: string[] = [];
  for await (const line of exportRealm({ store, identities: importer, records: importer, realm })) exported.push(line);
  const requests = await store.requestLog(realm);
  const audit = sqlAuditReader(client, { schema });
  const touched = [];
  for (const request of requests) touched.push(await audit.aggregatesTouched(realm, [request.requestId]));
  const all = await audit.aggregatesTouched(
    realm,
    requests.map((request) => request.requestId),
  );
  return { feed, loaded, exported, requests, touched, all };
}

/** Copies the current schema's rows into one at version 7, in the form the code before migration 8 wrote them. */
async function copyAsVersion7(client: SqlClient, from: string, to: string): Promise<void> {
  await migrate(
    client,
    to,
    migrations.filter((migration) => migration.version <= 7),
  );
  const [f, t] = [tablesIn(from), tablesIn(to)];
  // The code before kept meta whole, as jsonb: put back what migration 8's writes leave out.
  const wholeMeta = `CASE WHEN meta::jsonb ? 'user' OR NOT meta::jsonb ? 'initiator' THEN meta::jsonb
    ELSE meta::jsonb || jsonb_build_object('user', meta->>'initiator', 'actor', meta->>'initiator') END`;
  await client.transaction(async (tx) => {
    await tx.query(`INSERT INTO ${t.events} (position, realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time",
        transaction_id, hash) OVERRIDING SYSTEM VALUE
      SELECT position, realm, service, aggregate_id, sequence, type, schema_version, data::jsonb, ${wholeMeta}, "time", transaction_id,
        encode(hash, 'hex') FROM ${f.events} ORDER BY position`);
    await tx.query(`INSERT INTO ${t.requestLog} (id, realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
        status, error_code, finished_at, principal, error_message, body_sha256) OVERRIDING SYSTEM VALUE
      SELECT id, realm, request_id, interaction_id, invocation_id, breadcrumbs::jsonb, kind, body::jsonb, received_at, status, error_code,
        finished_at, principal::jsonb, error_message, body_sha256 FROM ${f.requestLog} ORDER BY id`);
    await tx.query(`INSERT INTO ${t.snapshots} SELECT * FROM ${f.snapshots}`);
    await tx.query(`INSERT INTO ${t.responses} SELECT * FROM ${f.responses}`);
    await tx.query(`INSERT INTO ${t.identities} SELECT * FROM ${f.identities}`);
    await tx.query(`INSERT INTO ${t.outbox} OVERRIDING SYSTEM VALUE SELECT * FROM ${f.outbox}`);
    // Ids and positions were copied: the identities go on after them, as they would have.
    for (const [table, column] of [
      ["events", "position"],
      ["request_log", "id"],
      ["outbox", "id"],
    ]) {
      await tx.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT max(${column}) FROM "${to}".${table}))`, [
        `"${to}".${table}`,
        column,
      ]);
    }
  });
  const [old] = await client.query<{ data: string; hash: string }>(
    `SELECT pg_typeof(data)::text AS data, pg_typeof(hash)::text AS hash FROM ${t.events} LIMIT 1`,
  );
  expect(old).toEqual({ data: "jsonb", hash: "text" });
}

async function migratesAPopulatedStore(client: SqlClient, schema: string): Promise<void> {
  const current = `${schema}_current`;
  await migrate(client, current);
  await writeHistory(new SqlStore({ ...client, close: async () => {} }, { schema: current }));
  await copyAsVersion7(client, current, schema);

  expect((await migrate(client, schema)).applied).toEqual([8, 9]);
  for (const realm of ["default", "other"]) {
    const [before, after] = [await readEverything(client, current, realm), await readEverything(client, schema, realm)];
    expect(after).toEqual(before);
    expect(after.feed.length).toBeGreaterThan(0);
  }
  const { touched, requests, feed } = await readEverything(client, schema, "default");
  // Every request that wrote events finds them, the transfer's effects through their own log rows.
  const transfer = requests.findIndex((request) => request.body !== null && JSON.stringify(request.body).includes("RequestTransfer"));
  expect(touched[transfer]?.map((entry) => `${entry.breadcrumbs.join(".")} ${entry.service}/${entry.aggregateId}`)).toEqual([
    "0 transfers/t-1",
    "0.0 accounts/a-1",
    "0.0.0 transfers/t-1",
    "0.0.0.0 accounts/a-2",
    "0.0.0.0.0 transfers/t-1",
  ]);
  const writing = new Set(feed.map((event) => event.meta.requestId));
  expect(touched.filter((entries) => entries.length > 0).length).toBe(
    requests.filter((request) => writing.has(request.requestId) && request.breadcrumbs.length === 1).length +
      requests.filter((request) => request.breadcrumbs.length > 1).length,
  );
  // New writes on the migrated store are found the same way.
  const engine = createEngine({ services: bankServices, store: new SqlStore({ ...client, close: async () => {} }, { schema }) });
  const later = await send(engine, [deposit("a-3", 1)]);
  expect(later.status).toBe(200);
  const found = await sqlAuditReader(client, { schema }).aggregatesTouched("default", [later.requestId]);
  expect(found.map((entry) => [entry.aggregateId, entry.types])).toEqual([["a-3", ["Deposited"]]]);
}

/** Concurrent requests share group commits; one request id is used in two realms, in the same statements. */
async function findsEachRequestsEvents(client: SqlClient, schema: string): Promise<void> {
  await migrate(client, schema);
  const store = new SqlStore({ ...client, close: async () => {} }, { schema });
  const engine = createEngine({ services: bankServices, store });
  await send(engine, [open("a-1"), open("a-2"), open("a-3"), open("a-4")]);
  await send(engine, [open("b-1")], otto);
  const shared = crypto.randomUUID();
  const sent = await Promise.all([
    ...Array.from({ length: 12 }, (_, i) => send(engine, [deposit(`a-${(i % 4) + 1}`, i + 1)])),
    send(engine, [deposit("a-1", 100)], clara, shared),
    send(engine, [deposit("b-1", 200)], otto, shared),
  ]);
  expect(sent.map((answer) => answer.status)).toEqual(sent.map(() => 200));

  const t = tablesIn(schema);
  const grouped = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${t.requestLog} WHERE transaction_id IS NOT NULL GROUP BY transaction_id ORDER BY 1 DESC LIMIT 1`,
  );
  expect(grouped[0]?.n).toBeGreaterThan(1);

  const audit = sqlAuditReader(client, { schema });
  for (const { requestId } of sent.slice(0, 12)) {
    const touched = await audit.aggregatesTouched("default", [requestId]);
    expect(touched).toHaveLength(1);
    expect(touched[0]).toMatchObject({ requestId, service: "accounts", types: ["Deposited"] });
  }
  const here = await audit.aggregatesTouched("default", [shared]);
  expect(here.map((entry) => [entry.aggregateId, entry.types])).toEqual([["a-1", ["Deposited"]]]);
  const there = await audit.aggregatesTouched("other", [shared]);
  expect(there.map((entry) => [entry.aggregateId, entry.types])).toEqual([["b-1", ["Deposited"]]]);
  const some = await audit.aggregatesTouched("default", [shared, sent[0]?.requestId as string]);
  expect(some.map((entry) => entry.requestId).sort()).toEqual([shared, sent[0]?.requestId].sort());
  // A refused request wrote nothing and names no transaction.
  const refused = await send(engine, [{ command: "Withdraw", aggregateId: "a-1", attributes: { amount: 1_000_000 } }]);
  expect(refused.status).toBe(422);
  expect(await audit.aggregatesTouched("default", [refused.requestId])).toEqual([]);
  const [row] = await client.query<{ transaction_id: string | null }>(
    `SELECT transaction_id::text FROM ${t.requestLog} WHERE request_id = $1`,
    [refused.requestId],
  );
  expect(row?.transaction_id).toBeNull();
}

/** What psql sees: json as written, meta without the user and actor equal to its initiator, a 32-byte hash. */
async function storesTheSmallerForm(client: SqlClient, schema: string): Promise<void> {
  await migrate(client, schema);
  const store = new SqlStore({ ...client, close: async () => {} }, { schema });
  const engine = createEngine({ services: bankServices, store });
  const { requestId } = await send(engine, [open("a-1")]);
  const t = tablesIn(schema);
  const [row] = await client.query<{ meta: string; data: string; bytes: number; hex: string }>(
    `SELECT meta::text AS meta, data::text AS data, octet_length(hash) AS bytes, encode(hash, 'hex') AS hex FROM ${t.events}`,
  );
  const meta = JSON.parse(row?.meta ?? "{}");
  expect(meta).toMatchObject({ requestId, initiator: "clara" });
  expect(meta).not.toHaveProperty("user");
  expect(meta).not.toHaveProperty("actor");
  expect(row?.data).toBe(JSON.stringify({ owner: "a-1@example.com" }));
  expect(row?.bytes).toBe(32);
  const [event] = await store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "a-1" });
  expect(event?.meta).toMatchObject({ requestId, user: "clara", actor: "clara", initiator: "clara" });
  expect(event?.hash).toBe(row?.hex);
  expect(verifyChain([event as StoredEvent])).toBeUndefined();
}

/** An import is one transaction: the entries it brings name it when it brought their requests' events. */
async function findsImportedRequestsEvents(client: SqlClient, schema: string): Promise<void> {
  const source = `${schema}_current`;
  await migrate(client, source);
  await writeHistory(new SqlStore({ ...client, close: async () => {} }, { schema: source }));
  const exported = await readEverything(client, source, "default");
  await migrate(client, schema);
  const lines = exported.exported;
  await importRealm({
    open: async function* () {
      yield* lines;
    },
    realm: "default",
    services: bankServices,
    importer: sqlImporter(client, { schema }),
    hashEvent: eventHash,
  });
  const imported = await readEverything(client, schema, "default");
  expect(imported.exported).toEqual(exported.exported);
  // The import may list the request log in another order: compare what each request wrote.
  const byRequest = (touched: typeof exported.touched) =>
    touched
      .flat()
      .map((entry) => JSON.stringify(entry))
      .sort();
  expect(byRequest(imported.touched)).toEqual(byRequest(exported.touched));
  expect(imported.touched.filter((entries) => entries.length > 0).length).toBeGreaterThan(5);
  // Only the entries whose requests wrote events name the import's transaction.
  const t = tablesIn(schema);
  const [named] = await client.query<{ n: number; refused: number }>(
    `SELECT count(transaction_id)::int AS n, count(transaction_id) FILTER (WHERE status >= 400)::int AS refused FROM ${t.requestLog}`,
  );
  expect(named?.refused).toBe(0);
  expect(named?.n).toBe(imported.touched.filter((entries) => entries.length > 0).length);
}

const cases = { migratesAPopulatedStore, findsEachRequestsEvents, storesTheSmallerForm, findsImportedRequestsEvents };

describeOnSqlEngines("migration 8", cases, { poolSize: 8, siblings: ["_current"] });
