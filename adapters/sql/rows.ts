import type { EventMeta, StoredEvent } from "../../core/model/events.js";
import type { AuditedRequest } from "../../core/ports/audit.js";
import type { DeadLetter, LoggedPrincipal, RequestOutcome } from "../../core/ports/store.js";
import { metaAsWritten } from "./event-meta-json.js";
import { bodyAsLogged, principalAsLogged } from "./request-log-json.js";

/**
 * An events row as the store selects it. Positions and ids are cast to text in SQL: `pg`
 * returns int8 as strings and PGlite as numbers, and a bigint may exceed 2^53 anyway.
 */
export interface EventRow {
  readonly position: string;
  readonly realm: string;
  readonly service: string;
  readonly aggregate_id: string;
  readonly sequence: number;
  readonly type: string;
  readonly schema_version?: number | null;
  readonly data: unknown;
  readonly meta: EventMeta;
  readonly time: Date | string;
  readonly hash: string;
}

/** The select list matching EventRow: the hash is stored as its 32 bytes (migration 8) and read as lowercase hex. */
export const eventColumns = `position::text AS position, realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time",
  encode(hash, 'hex') AS hash`;

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    realm: row.realm,
    service: row.service,
    aggregateId: row.aggregate_id,
    sequence: Number(row.sequence),
    type: row.type,
    data: row.data,
    // A select that leaves the column out (older tools, hand-written SQL) reads version 1, as stored rows were.
    ...(row.schema_version === undefined || row.schema_version === null || Number(row.schema_version) === 1
      ? {}
      : { schemaVersion: Number(row.schema_version) }),
    meta: metaAsWritten(row.meta),
    time: toIso(row.time),
    position: row.position,
    hash: row.hash,
  };
}

/** timestamptz comes back as a Date from both drivers; text is accepted for safety. */
export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Orders bigint ids given as decimal strings. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A request_log row as SELECTed with `id::text AS id`. */
export interface RequestLogRow {
  readonly id: string;
  readonly realm: string;
  readonly request_id: string;
  readonly interaction_id: string;
  readonly invocation_id: string;
  readonly breadcrumbs: readonly number[];
  readonly kind: "command" | "query";
  readonly body: unknown;
  readonly received_at: Date | string;
  readonly status: number | null;
  readonly error_code: string | null;
  readonly finished_at: Date | string | null;
  readonly principal: LoggedPrincipal | null;
  readonly error_message: string | null;
  readonly body_sha256: string | null;
}

/** The select list matching RequestLogRow (the table aliased `r`): body and principal as they were logged. */
export const requestLogColumns = `r.id::text AS id, r.realm, r.request_id, r.interaction_id, r.invocation_id, r.breadcrumbs, r.kind,
  ${bodyAsLogged} AS body, r.received_at, r.status, r.error_code, r.finished_at, ${principalAsLogged} AS principal, r.error_message,
  r.body_sha256`;

/** The log entry, with its outcome once the request was answered. */
export function toLoggedRequest(row: RequestLogRow): AuditedRequest {
  const entry = {
    id: row.id,
    realm: row.realm,
    requestId: row.request_id,
    interactionId: row.interaction_id,
    invocationId: row.invocation_id,
    breadcrumbs: row.breadcrumbs,
    kind: row.kind,
    body: row.body,
    receivedAt: toIso(row.received_at),
    ...(row.principal === null ? {} : { principal: row.principal }),
    ...(row.body_sha256 === null ? {} : { bodySha256: row.body_sha256 }),
  };
  if (row.status === null || row.finished_at === null) return entry;
  const outcome: RequestOutcome = {
    status: Number(row.status),
    ...(row.error_code === null ? {} : { errorCode: row.error_code }),
    ...(row.error_message === null ? {} : { errorMessage: row.error_message }),
    finishedAt: toIso(row.finished_at),
  };
  return { ...entry, outcome };
}

/** A dead_letters row as SELECTed with `id::text AS id`. */
export interface DeadLetterRow {
  readonly id: string;
  readonly realm: string;
  readonly source: string;
  readonly message: unknown;
  readonly error_code: string;
  readonly error_message: string;
  readonly attempts: number;
  readonly first_failed_at: Date | string;
  readonly last_failed_at: Date | string;
  readonly resolution: "redriven" | "discarded" | null;
  readonly resolved_by: string | null;
  readonly resolved_at: Date | string | null;
}

export const deadLetterColumns = `d.id::text AS id, d.realm, d.source, d.message, d.error_code, d.error_message, d.attempts,
  d.first_failed_at, d.last_failed_at, d.resolution, d.resolved_by, d.resolved_at`;

export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    realm: row.realm,
    source: row.source,
    message: row.message,
    error: { code: row.error_code, message: row.error_message },
    attempts: Number(row.attempts),
    firstFailedAt: toIso(row.first_failed_at),
    lastFailedAt: toIso(row.last_failed_at),
    ...(row.resolution === null
      ? {}
      : { resolution: { outcome: row.resolution, operator: row.resolved_by ?? "", at: toIso(row.resolved_at ?? row.last_failed_at) } }),
  };
}
