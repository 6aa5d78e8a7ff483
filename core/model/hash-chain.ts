import { canonicalJson } from "./canonical-json.js";

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
   * of an aggregate) and this event's fields: each aggregate's events form a chain, so changing,
   * removing or reordering a stored event breaks every hash after it.
   */
  eventHash(previousHash: string | null, event: HashedEventFields): string;
  /** Checks the events of one aggregate, in sequence order from 1: the first break, if any. */
  verifyChain(events: readonly (HashedEventFields & { readonly hash?: string })[]): ChainBreak | undefined;
}

export function hashChain(sha256: Sha256Hex): HashChain {
  const eventHash = (previousHash: string | null, event: HashedEventFields): string =>
    sha256(
      canonicalJson({
        previousHash,
        realm: event.realm,
        service: event.service,
        aggregateId: event.aggregateId,
        sequence: event.sequence,
        type: event.type,
        data: event.data,
        meta: event.meta,
        time: event.time,
      }),
    );
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
