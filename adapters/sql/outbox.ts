import type { CommandRequestBody, OutboxItem } from "../../core/ports/store.js";
import type { Tables } from "./schema.js";
import { toIso } from "./rows.js";

/** Outbox statements. Times come from the database clock so every process agrees on leases. */
export function outboxStatements(t: Tables) {
  return {
    // The first pending item of each target aggregate is its head; later items wait for it, so
    // one aggregate's effects are delivered in order and never two at once. SKIP LOCKED lets
    // relays in several processes claim side by side; the lease is re-checked on the locked row.
    claim: `WITH heads AS (
        SELECT DISTINCT ON (realm, target_service, aggregate_id) id, due_at, leased_until
        FROM ${t.outbox} WHERE status = 'pending'
        ORDER BY realm, target_service, aggregate_id, id
      ), due AS (
        SELECT id FROM heads WHERE due_at <= now() AND (leased_until IS NULL OR leased_until <= now())
        ORDER BY id LIMIT $1
      ), claimed AS (
        SELECT o.id FROM ${t.outbox} o JOIN due ON due.id = o.id
        WHERE o.status = 'pending' AND o.due_at <= now() AND (o.leased_until IS NULL OR o.leased_until <= now())
        ORDER BY o.id
        FOR UPDATE OF o SKIP LOCKED
      )
      UPDATE ${t.outbox} o SET leased_until = now() + $2::double precision * interval '1 millisecond'
      FROM claimed WHERE o.id = claimed.id
      RETURNING o.id::text AS id, o.realm, o.target_service, o.aggregate_id, o.request, o.attempts, o.created_at`,
    delivered: `UPDATE ${t.outbox} SET status = 'delivered', delivered_at = now(), leased_until = NULL WHERE id = $1::bigint`,
    failed: `UPDATE ${t.outbox}
      SET attempts = attempts + 1, last_error = $2, first_failed_at = coalesce(first_failed_at, now()),
          due_at = now() + $3::double precision * interval '1 millisecond', leased_until = NULL
      WHERE id = $1::bigint AND status = 'pending'`,
    // Delete and insert in one statement: an item is in the outbox or in dead letters, never both or neither.
    deadLetter: `WITH moved AS (
        DELETE FROM ${t.outbox} WHERE id = $1::bigint AND status = 'pending'
        RETURNING realm, request, attempts, first_failed_at
      )
      INSERT INTO ${t.deadLetters} (realm, source, message, error_code, error_message, attempts, first_failed_at, last_failed_at)
      SELECT realm, 'outbox', request, $2, $3, attempts + 1, coalesce(first_failed_at, now()), now() FROM moved`,
  };
}

export interface OutboxRow {
  readonly id: string;
  readonly realm: string;
  readonly target_service: string;
  readonly aggregate_id: string;
  readonly request: CommandRequestBody;
  readonly attempts: number;
  readonly created_at?: Date | string;
}

export function toOutboxItem(row: OutboxRow): OutboxItem {
  return {
    id: row.id,
    realm: row.realm,
    targetService: row.target_service,
    aggregateId: row.aggregate_id,
    request: row.request,
    attempts: Number(row.attempts),
    ...(row.created_at === undefined ? {} : { enqueuedAt: toIso(row.created_at) }),
  };
}
