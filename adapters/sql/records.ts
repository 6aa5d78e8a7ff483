import {
  type DeadLetterRecord,
  type OutboxRecord,
  type RealmRecordReader,
  type RealmRecords,
  RecordConflictError,
  type RequestRecord,
  requestFileOrder,
  type ResponseRecord,
} from "../../core/ports/importer.js";
import type { CommandRequestBody } from "../../core/ports/store.js";
import type { SqlClient, SqlExecutor } from "./client.js";
import { cursorRows } from "./cursor.js";
import { jsonColumnText } from "./json-text.js";
import { storedBody, storedPrincipal } from "./request-log-json.js";
import { type DeadLetterRow, deadLetterColumns, type RequestLogRow, requestLogColumns, toDeadLetter, toLoggedRequest } from "./rows.js";
import type { Tables } from "./schema.js";

/**
 * A realm's stored answers, request log, dead letters and undelivered effects, read for an export
 * and written by an import (docs/data-format.md). Answers keep their JSON text as written: the
 * `json` column returns it unchanged, so a replay after a move is byte-identical.
 */
export function sqlRecords(db: SqlClient, t: Tables) {
  const sql = {
    // Read through a cursor (cursor.ts), by code point: "C" compares UTF-8 bytes, which order as code points do.
    responses: `SELECT idempotency_key, status, body::text AS body, principal, request_hash FROM ${t.responses} WHERE realm = $1
      ORDER BY idempotency_key COLLATE "C"`,
    // Read through a cursor (cursor.ts), in time order.
    requests: `SELECT ${requestLogColumns} FROM ${t.requestLog} AS r WHERE r.realm = $1
      ORDER BY r.received_at, r.invocation_id COLLATE "C", r.id`,
    deadLetters: `SELECT ${deadLetterColumns} FROM ${t.deadLetters} AS d WHERE realm = $1 ORDER BY d.id`,
    outbox: `SELECT target_service, aggregate_id, request, attempts FROM ${t.outbox} WHERE realm = $1 AND status = 'pending' ORDER BY id`,
    insertResponses: `INSERT INTO ${t.responses} (realm, idempotency_key, status, body, principal, request_hash)
      SELECT $1, r.key, r.status, r.body::json, r.principal, r.request_hash
      FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS r(key, status, body, principal, request_hash)
      ON CONFLICT (realm, idempotency_key) DO NOTHING RETURNING idempotency_key`,
    insertRequests: `INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
        principal, body_sha256, status, error_code, error_message, finished_at)
      SELECT $1, r.request_id, r.interaction_id, r.invocation_id, r.breadcrumbs::json, r.kind, r.body::json, r.received_at,
        r.principal::json, r.body_sha256, r.status, r.error_code, r.error_message, r.finished_at
      FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[],
        $11::int[], $12::text[], $13::text[], $14::timestamptz[]) WITH ORDINALITY
        AS r(request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at, principal, body_sha256,
          status, error_code, error_message, finished_at, n)
      ORDER BY r.n`,
    insertDeadLetters: `INSERT INTO ${t.deadLetters} (realm, source, message, error_code, error_message, attempts, first_failed_at,
        last_failed_at, resolution, resolved_by, resolved_at)
      SELECT $1, d.source, d.message::jsonb, d.error_code, d.error_message, d.attempts, d.first_failed_at, d.last_failed_at,
        d.resolution, d.resolved_by, d.resolved_at
      FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::text[],
        $10::text[], $11::timestamptz[]) WITH ORDINALITY
        AS d(source, message, error_code, error_message, attempts, first_failed_at, last_failed_at, resolution, resolved_by, resolved_at, n)
      ORDER BY d.n`,
    insertOutbox: `INSERT INTO ${t.outbox} (realm, target_service, aggregate_id, request, attempts)
      SELECT $1, o.target_service, o.aggregate_id, o.request::jsonb, o.attempts
      FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS o(target_service, aggregate_id, request, attempts, n)
      ORDER BY o.n`,
  };

  const reader: RealmRecordReader = {
    async *listResponses(realm): AsyncIterable<ResponseRecord> {
      type Row = { idempotency_key: string; status: number; body: string; principal: string | null; request_hash: string | null };
      for await (const row of cursorRows<Row>(db, sql.responses, [realm])) {
        yield {
          idempotencyKey: row.idempotency_key,
          status: Number(row.status),
          body: row.body,
          ...(row.principal === null ? {} : { principal: row.principal }),
          ...(row.request_hash === null ? {} : { requestHash: row.request_hash }),
        };
      }
    },
    async *listRequests(realm): AsyncIterable<RequestRecord> {
      // The file orders by receivedAt as written (to the millisecond), then invocationId. The table may hold
      // finer times, so the rows of one millisecond (adjacent in time order) are gathered and put in that order.
      let millisecond: RequestRecord[] = [];
      for await (const row of cursorRows<RequestLogRow>(db, sql.requests, [realm])) {
        const { id: _, realm: __, ...request } = toLoggedRequest(row);
        if (millisecond.length > 0 && millisecond[0]?.receivedAt !== request.receivedAt) {
          yield* millisecond.sort(requestFileOrder);
          millisecond = [];
        }
        millisecond.push(request);
      }
      yield* millisecond.sort(requestFileOrder);
    },
    requestsInFileOrder: true,
    responsesInFileOrder: true,
    async *listDeadLetters(realm): AsyncIterable<DeadLetterRecord> {
      for (const row of await db.query<DeadLetterRow>(sql.deadLetters, [realm])) {
        const { id: _, realm: __, ...letter } = toDeadLetter(row);
        yield letter;
      }
    },
    async *listOutbox(realm): AsyncIterable<OutboxRecord> {
      type Row = { target_service: string; aggregate_id: string; request: CommandRequestBody; attempts: number };
      for (const row of await db.query<Row>(sql.outbox, [realm])) {
        yield { targetService: row.target_service, aggregateId: row.aggregate_id, request: row.request, attempts: Number(row.attempts) };
      }
    },
  };

  /** Writes the records inside the import's transaction; an answer the target already holds aborts it. */
  async function write(tx: SqlExecutor, realm: string, records: RealmRecords): Promise<void> {
    const { responses, requests, deadLetters, outbox } = records;
    if (responses.length > 0) {
      const inserted = await tx.query<{ idempotency_key: string }>(sql.insertResponses, [
        realm,
        responses.map((r) => r.idempotencyKey),
        responses.map((r) => r.status),
        responses.map((r) => r.body),
        responses.map((r) => r.principal ?? null),
        responses.map((r) => r.requestHash ?? null),
      ]);
      if (inserted.length !== responses.length) {
        const written = new Set(inserted.map((row) => row.idempotency_key));
        const taken = responses.find((r) => !written.has(r.idempotencyKey))?.idempotencyKey;
        throw new RecordConflictError(`realm ${realm} already holds an answer under ${taken}: an import never overwrites one`);
      }
    }
    if (requests.length > 0) {
      await tx.query(sql.insertRequests, [
        realm,
        requests.map((r) => r.requestId),
        requests.map((r) => r.interactionId),
        requests.map((r) => r.invocationId),
        requests.map((r) => jsonColumnText(r.breadcrumbs)),
        requests.map((r) => r.kind),
        requests.map(storedBody),
        requests.map((r) => r.receivedAt),
        requests.map((r) => storedPrincipal(realm, r.principal)),
        requests.map((r) => r.bodySha256 ?? null),
        requests.map((r) => r.outcome?.status ?? null),
        requests.map((r) => r.outcome?.errorCode ?? null),
        requests.map((r) => r.outcome?.errorMessage ?? null),
        requests.map((r) => r.outcome?.finishedAt ?? null),
      ]);
    }
    if (deadLetters.length > 0) {
      await tx.query(sql.insertDeadLetters, [
        realm,
        deadLetters.map((d) => d.source),
        deadLetters.map((d) => JSON.stringify(d.message ?? null)),
        deadLetters.map((d) => d.error.code),
        deadLetters.map((d) => d.error.message),
        deadLetters.map((d) => d.attempts),
        deadLetters.map((d) => d.firstFailedAt),
        deadLetters.map((d) => d.lastFailedAt),
        deadLetters.map((d) => d.resolution?.outcome ?? null),
        deadLetters.map((d) => d.resolution?.operator ?? null),
        deadLetters.map((d) => d.resolution?.at ?? null),
      ]);
    }
    if (outbox.length > 0) {
      await tx.query(sql.insertOutbox, [
        realm,
        outbox.map((o) => o.targetService),
        outbox.map((o) => o.aggregateId),
        outbox.map((o) => JSON.stringify(o.request)),
        outbox.map((o) => o.attempts),
      ]);
    }
  }

  return { reader, write };
}
