import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { auditStatements, sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate, migrations } from "../adapters/sql/migrations.js";
import { sqlRecords } from "../adapters/sql/records.js";
import { tablesIn } from "../adapters/sql/schema.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { RequestRecord } from "../core/ports/importer.js";
import type { LoggedPrincipal, RequestLogEntry } from "../core/ports/store.js";
import { requestLogEntry } from "./support/requests.js";
import { describeOnSqlEngines } from "./support/sql-engines.js";
import { requestFileOrder } from "../core/ports/importer.js";

/**
 * Migration 7 and the request log's stored JSON: a command body keeps its ids in their columns
 * only, a principal its realm, and every reader still gets the entry as it was logged, rows written
 * before the migration included. The audit's id lookups are served by the hash indexes, and a
 * request's events by its log row's transaction id and the feed index (migration 8).
 */
const realm = "r1";
const principal: LoggedPrincipal = { id: "ana", realm, roles: ["teller"], method: "jwt" };

function commandEntry(extra: Partial<RequestLogEntry> = {}): RequestLogEntry {
  const entry = requestLogEntry(realm);
  const body = {
    requestId: entry.requestId,
    interactionId: entry.interactionId,
    meta: { channel: "app" },
    commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 5 } }],
  };
  return { ...entry, body, principal, ...extra };
}

/** Entries whose JSON must come back as given: compacted ones and those left as they are. */
function entries(): RequestLogEntry[] {
  const compacted = commandEntry();
  const otherIds = commandEntry();
  const refused = requestLogEntry(realm, { body: '{"requestId": "not json' });
  return [
    compacted,
    // Ids that differ from the columns stay in the body; so does a principal of another realm.
    { ...otherIds, body: { ...(otherIds.body as object), requestId: randomUUID() }, principal: { ...principal, realm: "elsewhere" } },
    { ...refused, bodySha256: "ab".repeat(32) },
    { ...requestLogEntry(realm), body: null },
  ];
}

function readsAsLogged(db: SqlClient, schema: string, logged: readonly RequestLogEntry[]) {
  const store = new SqlStore({ ...db, close: async () => {} }, { schema });
  const stripped = (entry: { readonly realm?: string; readonly id?: string; readonly outcome?: unknown } & RequestLogEntry) => {
    const { id: _, outcome: __, ...rest } = entry;
    return rest;
  };
  return {
    async check(): Promise<void> {
      expect((await store.requestLog(realm)).map(stripped)).toEqual(logged);
      const audit = sqlAuditReader(db, { schema });
      for (const entry of logged) {
        const found = await audit.searchRequests({ realm, requestId: entry.requestId, limit: 5 });
        expect(found.items.map(stripped)).toEqual([entry]);
        const byInteraction = await audit.searchRequests({ realm, interactionId: entry.interactionId, limit: 5 });
        expect(byInteraction.items.map(stripped)).toEqual([entry]);
      }
      const exported = [];
      for await (const request of sqlRecords(db, tablesIn(schema)).reader.listRequests(realm)) exported.push(request);
      // An export lists the log in file order: by receivedAt, then invocationId.
      expect(exported.map((request) => stripped({ realm, ...request }))).toEqual([...logged].sort(requestFileOrder));
    },
  };
}

async function storedJson(db: SqlClient, schema: string, requestId: string) {
  const rows = await db.query<{ body: unknown; principal: unknown }>(
    `SELECT body, principal FROM "${schema}".request_log WHERE request_id = $1`,
    [requestId],
  );
  return rows[0];
}

async function compactsAndRestores(db: SqlClient, schema: string): Promise<void> {
  await migrate(db, schema);
  const store = new SqlStore({ ...db, close: async () => {} }, { schema });
  const logged = entries();
  for (const entry of logged) await store.logRequest(entry);
  const [compacted, otherIds] = logged as [RequestLogEntry, RequestLogEntry];
  expect(await storedJson(db, schema, compacted.requestId)).toEqual({
    body: [{ meta: { channel: "app" }, commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 5 } }] }],
    principal: { id: "ana", roles: ["teller"], method: "jwt" },
  });
  expect(await storedJson(db, schema, otherIds.requestId)).toEqual({ body: otherIds.body, principal: otherIds.principal });
  await readsAsLogged(db, schema, logged).check();

  // An import writes the same stored form and reads back the same records.
  const target = `${schema}_copy`;
  await migrate(db, target);
  const records: RequestRecord[] = [];
  for await (const request of sqlRecords(db, tablesIn(schema)).reader.listRequests(realm)) records.push(request);
  await db.transaction((tx) =>
    sqlRecords(db, tablesIn(target)).write(tx, realm, { responses: [], requests: records, deadLetters: [], outbox: [] }),
  );
  expect(await storedJson(db, target, compacted.requestId)).toEqual(await storedJson(db, schema, compacted.requestId));
  // The copy was written in the order the export listed: file order.
  await readsAsLogged(db, target, [...logged].sort(requestFileOrder)).check();
}

/** Rows written by version 6 (whole body, principal with its realm) read the same after 7. */
async function readsRowsWrittenBefore(db: SqlClient, schema: string): Promise<void> {
  await migrate(
    db,
    schema,
    migrations.filter((migration) => migration.version <= 6),
  );
  const logged = entries();
  for (const e of logged) {
    await db.query(
      `INSERT INTO "${schema}".request_log (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
        principal, body_sha256) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9::jsonb, $10)`,
      [
        e.realm,
        e.requestId,
        e.interactionId,
        e.invocationId,
        JSON.stringify(e.breadcrumbs),
        e.kind,
        JSON.stringify(e.body),
        e.receivedAt,
        e.principal === undefined ? null : JSON.stringify(e.principal),
        e.bodySha256 ?? null,
      ],
    );
  }
  const report = await migrate(db, schema);
  expect(report.applied).toEqual(migrations.filter((migration) => migration.version > 6).map((migration) => migration.version));
  await readsAsLogged(db, schema, logged).check();
}

/** The plan of each audit lookup by id, on enough rows that the planner has a choice. */
async function usesHashIndexes(db: SqlClient, schema: string): Promise<void> {
  await migrate(db, schema);
  const store = new SqlStore({ ...db, close: async () => {} }, { schema });
  const logged = Array.from({ length: 2000 }, () => commandEntry());
  await Promise.all(logged.map((entry) => store.logRequest(entry)));
  const t = tablesIn(schema);
  // One transaction per request, as commits write them: each log row names its events' transaction.
  await db.query(
    `INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, data, meta, "time", hash, transaction_id)
     SELECT $1, 'bank', 'a-' || n, 1, 'Deposited', '{}', json_build_object('requestId', id, 'initiator', 'ana'), now(), '\\x00',
       (1000 + n)::text::xid8
     FROM unnest($2::text[]) WITH ORDINALITY AS e(id, n)`,
    [realm, logged.map((entry) => entry.requestId)],
  );
  await db.query(
    `UPDATE ${t.requestLog} AS r SET transaction_id = e.transaction_id FROM ${t.events} AS e
     WHERE e.realm = r.realm AND e.meta->>'requestId' = r.request_id`,
  );
  await db.query(`ANALYZE ${t.events}`);
  await db.query(`ANALYZE ${t.requestLog}`);
  const sql = auditStatements(t);
  const plan = async (statement: string, params: unknown[]) => {
    const rows = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement}`, params);
    return rows.map((row) => row["QUERY PLAN"]).join("\n");
  };
  const [first, second] = logged as [RequestLogEntry, RequestLogEntry];
  expect(await plan(sql.requests, [realm, first.requestId, null, null, 6])).toContain("request_log_request_hash");
  expect(await plan(sql.requests, [realm, null, first.interactionId, null, 6])).toContain("request_log_interaction_hash");
  const touchedPlan = await plan(sql.touched, [realm, [first.requestId, second.requestId]]);
  expect(touchedPlan).toContain("request_log_request_hash");
  expect(touchedPlan).toContain("events_feed");
  // The btree indexes they replace are gone, and so is the hash index on events' request ids.
  const indexes = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [schema]);
  expect(indexes.map((row) => row.indexname)).not.toContain("request_log_request");
  expect(indexes.map((row) => row.indexname)).not.toContain("events_request");
  expect(indexes.map((row) => row.indexname)).not.toContain("events_request_hash");
  const touched = await sqlAuditReader(db, { schema }).aggregatesTouched(realm, [first.requestId]);
  expect(touched.map((row) => row.requestId)).toEqual([first.requestId]);
  // Migration 9: both fill their buckets before they split (fewer buckets for the same entries).
  const hashOptions = await db.query<{ relname: string; reloptions: string[] | null }>(
    `SELECT c.relname, c.reloptions FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname IN ('request_log_request_hash', 'request_log_interaction_hash') ORDER BY c.relname`,
    [schema],
  );
  expect(hashOptions).toEqual([
    { relname: "request_log_interaction_hash", reloptions: ["fillfactor=100"] },
    { relname: "request_log_request_hash", reloptions: ["fillfactor=100"] },
  ]);
}

describeOnSqlEngines(
  "request-log storage",
  { compactsAndRestores, readsRowsWrittenBefore, usesHashIndexes },
  { poolSize: 4, siblings: ["_copy"] },
);
