import { eventHash } from "./hash.js";
import type { CommittedEvents, UnitOfWork } from "../../core/ports/store.js";
import { ConcurrencyError } from "../../core/ports/store.js";
import type { SqlExecutor } from "./client.js";
import { chainEvents, toStoredEvent } from "../../core/model/event-plan.js";
import type { Tables } from "./schema.js";

/**
 * The whole unit as one statement, one round trip, atomic without BEGIN/COMMIT: every write is
 * conditional on the version check, and any failure (a unique key) aborts all of them. Used for
 * the common unit: at most one aggregate, no identity claims, previous hash already known.
 */
export function singleStatementCommitSql(t: Tables): string {
  return `WITH head AS (
      SELECT version FROM ${t.snapshots} WHERE $6 AND realm = $1 AND service = $3 AND aggregate_id = $4 FOR UPDATE
    ), checked AS (
      SELECT NOT $6 OR coalesce(
        (SELECT version FROM head),
        (SELECT max(sequence) FROM ${t.events} WHERE realm = $1 AND service = $3 AND aggregate_id = $4),
        0) = $5 AS ok
    ), inserted AS (
      INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time", hash)
      SELECT $1, $3, $4, e.sequence, e.type, e.schema_version, e.data::jsonb, $11::jsonb, $2::timestamptz, e.hash
      FROM unnest($9::int[], $7::text[], $26::int[], $8::text[], $10::text[])
        WITH ORDINALITY AS e(sequence, type, schema_version, data, hash, n), checked
      WHERE checked.ok ORDER BY e.n
      RETURNING position::text AS position, sequence
    ), snapshot AS (
      INSERT INTO ${t.snapshots} (realm, service, aggregate_id, version, state, event_hash, updated_at)
      SELECT $1, $3, $4, $12, $13::jsonb, $14, $2::timestamptz FROM checked WHERE checked.ok AND $6
      ON CONFLICT (realm, service, aggregate_id) DO UPDATE
        SET version = EXCLUDED.version, state = EXCLUDED.state, event_hash = EXCLUDED.event_hash, updated_at = EXCLUDED.updated_at
    ), outbox AS (
      INSERT INTO ${t.outbox} (realm, target_service, aggregate_id, request)
      SELECT $1, o.target_service, o.aggregate_id, o.request::jsonb
      FROM unnest($15::text[], $16::text[], $17::text[]) WITH ORDINALITY AS o(target_service, aggregate_id, request, n), checked
      WHERE checked.ok ORDER BY o.n
    ), response AS (
      INSERT INTO ${t.responses} (realm, idempotency_key, status, body, principal, request_hash)
      SELECT $1, $18, $19, $20::json, $24, $25 FROM checked WHERE checked.ok
    ), outcome AS (
      UPDATE ${t.requestLog} SET status = $19, error_code = $22, finished_at = $23::timestamptz, error_message = $27
      FROM checked WHERE checked.ok AND $21::bigint IS NOT NULL AND id = $21::bigint AND realm = $1
    )
    SELECT checked.ok, (SELECT version FROM head) AS version,
      (SELECT coalesce(json_agg(json_build_object('position', position, 'sequence', sequence)), '[]'::json) FROM inserted) AS events
    FROM checked`;
}

/** Whether `unit` fits the single statement, given the previous hash it would link to (undefined: unknown). */
export function fitsSingleStatement(unit: UnitOfWork, previousHash: string | null | undefined): boolean {
  return unit.changes.length <= 1 && unit.identities.length === 0 && (unit.changes.length === 0 || previousHash !== undefined);
}

export async function commitSingleStatement(
  db: SqlExecutor,
  sql: string,
  unit: UnitOfWork,
  previousHash: string | null,
): Promise<CommittedEvents> {
  const time = new Date(unit.time).toISOString();
  const change = unit.changes[0];
  const events = change === undefined ? [] : chainEvents(eventHash, unit.realm, change, previousHash, time);
  const [row] = await db.query<{ ok: boolean; version: number | null; events: { position: string | number; sequence: number }[] }>(sql, [
    unit.realm,
    time,
    change?.service ?? null,
    change?.aggregateId ?? null,
    change?.expectedVersion ?? 0,
    change !== undefined,
    events.map((e) => e.type),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => e.sequence),
    events.map((e) => e.hash),
    change === undefined ? null : JSON.stringify(change.meta),
    change?.snapshot.version ?? null,
    change === undefined ? null : JSON.stringify(change.snapshot.state),
    events.at(-1)?.hash ?? previousHash,
    unit.effects.map((e) => e.targetService),
    unit.effects.map((e) => e.aggregateId),
    unit.effects.map((e) => JSON.stringify(e.request)),
    unit.idempotencyKey,
    unit.response.status,
    JSON.stringify(unit.response.body),
    unit.requestLog?.logId ?? null,
    unit.requestLog?.outcome.errorCode ?? null,
    unit.requestLog?.outcome.finishedAt ?? null,
    unit.response.principal ?? null,
    unit.response.requestHash ?? null,
    events.map((e) => e.schemaVersion),
    unit.requestLog?.outcome.errorMessage ?? null,
  ]);
  if (row === undefined || !row.ok) {
    throw new ConcurrencyError(`${change?.service}/${change?.aggregateId} moved past version ${change?.expectedVersion}`);
  }
  const positions = new Map(row.events.map((e) => [Number(e.sequence), String(e.position)]));
  return { events: events.map((e) => toStoredEvent(unit.realm, time, e, positions.get(e.sequence) as string)) };
}
