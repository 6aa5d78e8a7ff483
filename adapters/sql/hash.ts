import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal values always give equal text whatever
 * order their keys were built in. Follows JSON.stringify otherwise (toJSON, undefined dropped).
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value);
  if (text === undefined) throw new TypeError("canonicalJson: value has no JSON representation");
  return text;
}

function encode(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return encode((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => encode(item) ?? "null").join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const encoded = encode(record[key]);
      if (encoded !== undefined) members.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The fields of an event that its hash covers: everything but its global position. */
export interface HashedEventFields {
  readonly realm: string;
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly type: string;
  readonly data: unknown;
  readonly meta: unknown;
  /** ISO-8601 UTC with milliseconds, as `Date.toISOString()` writes it. */
  readonly time: string;
}

/**
 * sha256 (hex) over the canonical JSON of the previous event's hash (null for the first event
 * of an aggregate) and this event's fields: each aggregate's events form a chain, so changing,
 * removing or reordering a stored event breaks every hash after it.
 */
export function eventHash(previousHash: string | null, event: HashedEventFields): string {
  const fields = {
    previousHash,
    realm: event.realm,
    service: event.service,
    aggregateId: event.aggregateId,
    sequence: event.sequence,
    type: event.type,
    data: event.data,
    meta: event.meta,
    time: event.time,
  };
  return createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

export interface ChainBreak {
  readonly sequence: number;
  readonly reason: string;
}

/** Checks the events of one aggregate, in sequence order from 1: the first break, if any. */
export function verifyChain(events: readonly (HashedEventFields & { readonly hash?: string })[]): ChainBreak | undefined {
  let previous: string | null = null;
  for (const [index, event] of events.entries()) {
    if (event.sequence !== index + 1) return { sequence: event.sequence, reason: `expected sequence ${index + 1}` };
    const expected = eventHash(previous, event);
    if (event.hash !== expected) return { sequence: event.sequence, reason: `hash ${event.hash ?? "(none)"} should be ${expected}` };
    previous = expected;
  }
  return undefined;
}
