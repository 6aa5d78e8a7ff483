import { canonicalJsonMember } from "./canonical-json.js";

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
  /** The version of the type's schema the data has; absent or 1 is left out of the hash. */
  readonly schemaVersion?: number;
}

/** Where an aggregate's hash chain first breaks: the sequence and what is wrong there. */
export interface ChainBreak {
  readonly sequence: number;
  readonly reason: string;
}

/** sha256 of a text's UTF-8 bytes, as lowercase hex. Injected so core stays free of node:crypto. */
export type Sha256Hex = (text: string) => string;

/** The data format's hash chain, bound to one sha256. */
export interface HashChain {
  /**
   * sha256 (hex) over the canonical JSON of the previous event's hash (null for the first event
   * of an aggregate) and this event's stored fields: each aggregate's events form a chain, so changing,
   * removing or reordering a stored event breaks every hash after it.
   */
  eventHash(previousHash: string | null, event: HashedEventFields): string;
  /** Checks the events of one aggregate, in sequence order from 1: the first break, if any. */
  verifyChain(events: readonly (HashedEventFields & { readonly hash?: string })[]): ChainBreak | undefined;
}

export function hashChain(sha256: Sha256Hex): HashChain {
  const eventHash = (previousHash: string | null, event: HashedEventFields): string => sha256(hashedText(previousHash, event));
  const verifyChain = (events: readonly (HashedEventFields & { readonly hash?: string })[]): ChainBreak | undefined => {
    let previous: string | null = null;
    for (const [index, event] of events.entries()) {
      if (event.sequence !== index + 1) return { sequence: event.sequence, reason: `expected sequence ${index + 1}` };
      const expected = eventHash(previous, event);
      if (event.hash !== expected) return { sequence: event.sequence, reason: `hash ${event.hash ?? "(none)"} should be ${expected}` };
      previous = expected;
    }
    return undefined;
  };
  return { eventHash, verifyChain };
}

/**
 * The canonical JSON of the previous hash and the event's fields, written member by member in
 * sorted key order: the text canonicalJson gives for that record, without building and sorting it.
 */
function hashedText(previousHash: string | null, event: HashedEventFields): string {
  const text = new CanonicalRecord();
  text.add("aggregateId", event.aggregateId);
  text.add("data", event.data);
  text.add("meta", event.meta);
  text.add("previousHash", previousHash);
  text.add("realm", event.realm);
  // Left out at version 1, so every hash written before versions existed still holds; from 2 on
  // the version is part of the stored form and a changed version breaks the chain.
  if (event.schemaVersion !== undefined && event.schemaVersion !== 1) text.add("schemaVersion", event.schemaVersion);
  text.add("sequence", event.sequence);
  text.add("service", event.service);
  text.add("time", event.time);
  text.add("type", event.type);
  return text.close();
}

/** A JSON object written by members given in sorted key order; members without a JSON form are left out. */
class CanonicalRecord {
  #text = "{";

  /** `key` is plain ASCII needing no escapes. */
  add(key: string, value: unknown): void {
    const encoded = canonicalJsonMember(value);
    if (encoded !== undefined) this.#text += `${this.#text.length === 1 ? "" : ","}"${key}":${encoded}`;
  }

  close(): string {
    return `${this.#text}}`;
  }
}
