import type { EventMeta, StoredEvent } from "../../core/model/events.js";

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
  readonly data: unknown;
  readonly meta: EventMeta;
  readonly time: Date | string;
  readonly hash: string;
}

/** The select list matching EventRow. */
export const eventColumns = `position::text AS position, realm, service, aggregate_id, sequence, type, data, meta, "time", hash`;

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    realm: row.realm,
    service: row.service,
    aggregateId: row.aggregate_id,
    sequence: Number(row.sequence),
    type: row.type,
    data: row.data,
    meta: row.meta,
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
