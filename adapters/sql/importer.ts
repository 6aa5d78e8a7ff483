import {
  type AggregateKey,
  AggregateNotEmptyError,
  type EventImporter,
  type IdentityName,
  type IdentityReader,
  type ImportBatch,
  type RealmRecordReader,
} from "../../core/ports/importer.js";
import { type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { planEachRun, type SqlClient, type SqlExecutor } from "./client.js";
import { storedMeta } from "./event-meta-json.js";
import { jsonColumnText } from "./json-text.js";
import { cursorRows } from "./cursor.js";
import { sqlRecords } from "./records.js";
import { defaultSchema, type Tables, tablesIn } from "./schema.js";

/**
 * `edd import` and `edd export` on the SQL store's tables: events go in exactly as exported
 * (sequence, time, meta, hash), in the batches' order, so the new positions keep the exported
 * feed order. The whole import is one transaction: a conflict in its last batch, or a fault
 * anywhere, leaves nothing behind. Needs the client itself, not a SqlStore.
 */
export function sqlImporter(db: SqlClient, options: { readonly schema?: string } = {}): EventImporter & IdentityReader & RealmRecordReader {
  const t = tablesIn(options.schema ?? defaultSchema);
  const records = sqlRecords(db, t);
  const sql = importerStatements(t);

  const nonEmpty = async (tx: SqlExecutor, realm: string, aggregates: readonly AggregateKey[]) => {
    if (aggregates.length === 0) return [];
    // Planned on each run: the tables grow during an import, and a plan made on a tiny one may scan it.
    const rows = await tx.query<{ service: string; aggregate_id: string }>(
      sql.nonEmpty,
      [realm, aggregates.map((a) => a.service), aggregates.map((a) => a.aggregateId)],
      planEachRun,
    );
    return rows.map((row) => ({ service: row.service, aggregateId: row.aggregate_id }));
  };

  const writeBatch = async (tx: SqlExecutor, realm: string, batch: ImportBatch) => {
    const taken = await nonEmpty(tx, realm, startingAggregates(batch));
    if (taken.length > 0) throw new AggregateNotEmptyError(realm, taken);
    const { events, snapshots, identities } = batch;
    if (events.length > 0) {
      await tx.query(sql.insertEvents, [
        realm,
        events.map((e) => e.service),
        events.map((e) => e.aggregateId),
        events.map((e) => e.sequence),
        events.map((e) => e.type),
        events.map((e) => jsonColumnText(e.data)),
        events.map((e) => storedMeta(e.meta)),
        events.map((e) => e.time),
        events.map((e) => requireHash(e.hash)),
        events.map((e) => e.schemaVersion ?? 1),
      ]);
    }
    const heads = lastEventPerAggregate(batch);
    if (snapshots.length > 0) {
      await tx.query(sql.upsertSnapshots, [
        realm,
        snapshots.map((s) => s.service),
        snapshots.map((s) => s.aggregateId),
        snapshots.map((s) => s.snapshot.version),
        snapshots.map((s) => JSON.stringify(s.snapshot.state)),
        snapshots.map((s) => heads.get(keyOf(s))?.hash ?? null),
        snapshots.map((s) => heads.get(keyOf(s))?.time ?? new Date(0).toISOString()),
      ]);
    }
    if (identities.length > 0) {
      const inserted = await tx.query<{ service: string; name: string }>(sql.claim, [
        realm,
        identities.map((c) => c.service),
        identities.map((c) => c.name),
        identities.map((c) => c.aggregateId),
      ]);
      const claimed = new Set(inserted.map((row) => `${row.service}\u0000${row.name}`));
      const taken = identities.find((c) => !claimed.has(`${c.service}\u0000${c.name}`));
      if (taken !== undefined) throw new IdentityConflictError(taken.service, taken.name);
    }
    if (batch.records !== undefined) await records.write(tx, realm, batch.records);
  };

  return {
    ...records.reader,
    nonEmpty: (realm, aggregates) => nonEmpty(db, realm, aggregates),

    async claimed(realm, names): Promise<readonly IdentityName[]> {
      if (names.length === 0) return [];
      const rows = await db.query<{ service: string; name: string }>(
        sql.claimed,
        [realm, names.map((n) => n.service), names.map((n) => n.name)],
        planEachRun,
      );
      return rows.map((row) => ({ service: row.service, name: row.name }));
    },

    async importAll(realm, batches) {
      await db.transaction(async (tx) => {
        for await (const batch of batches) await writeBatch(tx, realm, batch);
        await tx.query(sql.linkRequests, [realm]);
      });
    },

    async *listIdentities(realm): AsyncIterable<IdentityClaim> {
      type Row = { service: string; name: string; aggregate_id: string };
      for await (const row of cursorRows<Row>(db, sql.identities, [realm])) {
        yield { service: row.service, name: row.name, aggregateId: row.aggregate_id };
      }
    },
    identitiesInFileOrder: true,
  };
}

/** Aggregates whose history starts in this batch: they must not exist yet. */
export function startingAggregates(batch: Pick<ImportBatch, "events">): AggregateKey[] {
  return batch.events.filter((e) => e.sequence === 1).map((e) => ({ service: e.service, aggregateId: e.aggregateId }));
}

function lastEventPerAggregate(batch: ImportBatch) {
  const heads = new Map<string, { hash: string; time: string }>();
  for (const event of batch.events) heads.set(keyOf(event), { hash: requireHash(event.hash), time: event.time });
  return heads;
}

const keyOf = (key: AggregateKey) => `${key.service}\u0000${key.aggregateId}`;

function requireHash(hash: string | undefined): string {
  if (hash === undefined) throw new Error("an imported event has no hash");
  return hash;
}

/**
 * The importer's statements. The realm being imported grows inside the import's one transaction, so
 * no statement may read the realm as a whole: the checks take each key's row through its index, in
 * LATERAL subqueries no plan can hash. With EXISTS tests instead, a plan made while the realm was
 * small read all of its events and snapshots once per batch (hashed subplans), and an import of
 * 300,000 events took nine times longer per batch at its end than at its start.
 */
export function importerStatements(t: Tables) {
  return {
    // Per key, through the key's index: a LATERAL subquery runs once per key and cannot be hashed.
    nonEmpty: `SELECT k.service, k.aggregate_id
      FROM (SELECT DISTINCT service, aggregate_id FROM unnest($2::text[], $3::text[]) AS u(service, aggregate_id)) AS k
      CROSS JOIN LATERAL (
        SELECT 1 FROM ${t.snapshots} s WHERE s.realm = $1 AND s.service = k.service AND s.aggregate_id = k.aggregate_id
        UNION ALL
        -- In sequence order: the events' unique (realm, service, aggregate, sequence) index, never a walk of the realm.
        (SELECT 1 FROM ${t.events} e WHERE e.realm = $1 AND e.service = k.service AND e.aggregate_id = k.aggregate_id
          ORDER BY e.sequence LIMIT 1)
        LIMIT 1
      ) AS found`,
    claimed: `SELECT k.service, k.name FROM unnest($2::text[], $3::text[]) AS k(service, name)
      CROSS JOIN LATERAL (
        SELECT 1 FROM ${t.identities} i WHERE i.realm = $1 AND i.service = k.service AND i.name = k.name LIMIT 1
      ) AS found`,
    insertEvents: `INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time", hash)
      SELECT $1, e.service, e.aggregate_id, e.sequence, e.type, e.schema_version, e.data::json, e.meta::json, e.time::timestamptz,
        decode(e.hash, 'hex')
      FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $10::int[], $6::text[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS e(service, aggregate_id, sequence, type, schema_version, data, meta, time, hash, n)
      ORDER BY e.n`,
    upsertSnapshots: `INSERT INTO ${t.snapshots} (realm, service, aggregate_id, version, state, event_hash, updated_at)
      SELECT $1, s.service, s.aggregate_id, s.version, s.state::jsonb, s.event_hash, s.updated_at::timestamptz
      FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
        AS s(service, aggregate_id, version, state, event_hash, updated_at)
      ON CONFLICT (realm, service, aggregate_id) DO UPDATE
        SET version = EXCLUDED.version, state = EXCLUDED.state, event_hash = EXCLUDED.event_hash, updated_at = EXCLUDED.updated_at`,
    claim: `INSERT INTO ${t.identities} (realm, service, name, aggregate_id)
      SELECT $1, c.service, c.name, c.aggregate_id FROM unnest($2::text[], $3::text[], $4::text[]) AS c(service, name, aggregate_id)
      ON CONFLICT (realm, service, name) DO NOTHING
      RETURNING service, name`,
    // The imported request-log rows whose requests have imported events name this transaction, as a
    // commit's do (migration 8): the audit finds their events through it. Rows this transaction wrote only.
    linkRequests: `UPDATE ${t.requestLog} AS r SET transaction_id = pg_current_xact_id()
      FROM (SELECT DISTINCT meta->>'requestId' AS request_id FROM ${t.events}
            WHERE realm = $1 AND transaction_id = pg_current_xact_id()) AS e
      WHERE r.realm = $1 AND r.request_id = e.request_id AND r.transaction_id IS NULL AND r.xmin = pg_current_xact_id()::xid`,
    // Read through a cursor (cursor.ts), by code point: "C" compares UTF-8 bytes, which order as code points do.
    identities: `SELECT service, name, aggregate_id FROM ${t.identities} WHERE realm = $1
      ORDER BY service COLLATE "C", name COLLATE "C"`,
  };
}
