import type { StoredEvent } from "../../core/model/events.js";
import type { EventFeedPage } from "../../core/ports/store.js";
import { type LogItem, noPrevious, type RealmLog } from "./log.js";

/**
 * Reads a realm's events after a position from the realm log. Entries are appended one after the
 * other, each only once the one before it exists, and each names its predecessor: a reader stops
 * at the first entry whose predecessor it has not seen, so it can never step over an entry that
 * is not visible to it yet. The checkpoint is the last position read (decimal).
 */
export async function readLogFeed(log: RealmLog, realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
  const after = parseCheckpoint(checkpoint);
  const events: StoredEvent[] = [];
  let reached = after;
  let previous = noPrevious;
  if (after > 0n) {
    // The entry holding `after` may hold later events too (a page ended inside it).
    const current = await log.entryAtOrBefore(realm, after);
    if (current === undefined) return { events: [], checkpoint: after.toString() };
    previous = current.sk;
    reached = take(current, after, limit, events) ?? reached;
    if (events.length >= limit) return { events, checkpoint: reached.toString() };
  }
  for await (const item of log.entriesAfter(realm, after)) {
    if (item.previous !== previous) break;
    previous = item.sk;
    reached = take(item, reached, limit, events) ?? reached;
    if (events.length >= limit) break;
  }
  return { events, checkpoint: reached.toString() };
}

/** Appends the item's events after `after` up to the limit; returns the last position consumed. */
function take(item: LogItem, after: bigint, limit: number, into: StoredEvent[]): bigint | undefined {
  let reached: bigint | undefined;
  for (const event of item.entry.events) {
    const position = BigInt(event.position as string);
    if (position <= after) continue;
    if (into.length >= limit) return reached;
    into.push(event);
    reached = position;
  }
  // Everything in the entry was taken: its whole span (an entry without events holds one position) is consumed.
  const end = item.first + BigInt(item.span) - 1n;
  return end > after ? end : reached;
}

function parseCheckpoint(checkpoint: string | undefined): bigint {
  if (checkpoint === undefined || checkpoint === "") return 0n;
  if (!/^\d{1,20}$/.test(checkpoint)) throw new Error(`Invalid feed checkpoint "${checkpoint}": expected a decimal position`);
  return BigInt(checkpoint);
}
