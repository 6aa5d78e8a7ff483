import type { StoredEvent } from "../model/events.js";
import type { Page, PrincipalSearch, TouchedAggregate } from "./audit.js";
import type { EventFeed } from "./store.js";

/**
 * Audit reads derived from the event feed, for backends without an index for them (memory,
 * DynamoDB): each call reads the realm's whole feed, an operator's occasional cost.
 */
export async function* feedEvents(feed: EventFeed, realm: string, pageSize = 1000): AsyncGenerator<StoredEvent> {
  let checkpoint: string | undefined;
  for (;;) {
    const page = await feed.readFeed(realm, checkpoint, pageSize);
    if (page.events.length === 0) return;
    yield* page.events;
    checkpoint = page.checkpoint;
  }
}

/** `AuditReader.aggregatesTouched` over the feed: the requests' events grouped by request, breadcrumbs and aggregate, in feed order. */
export async function aggregatesTouchedInFeed(
  feed: EventFeed,
  realm: string,
  requestIds: readonly string[],
): Promise<readonly TouchedAggregate[]> {
  const wanted = new Set(requestIds);
  const touched = new Map<string, TouchedAggregate & { sequences: number[]; types: string[] }>();
  if (wanted.size === 0) return [];
  for await (const event of feedEvents(feed, realm)) {
    if (!wanted.has(event.meta.requestId)) continue;
    const key = JSON.stringify([event.meta.requestId, event.meta.breadcrumbs, event.service, event.aggregateId]);
    const entry = touched.get(key) ?? {
      requestId: event.meta.requestId,
      breadcrumbs: event.meta.breadcrumbs,
      service: event.service,
      aggregateId: event.aggregateId,
      sequences: [],
      types: [],
    };
    entry.sequences.push(event.sequence);
    entry.types.push(event.type);
    touched.set(key, entry);
  }
  return [...touched.values()];
}

/**
 * `AuditReader.eventsInitiatedBy` over the feed: the events whose `meta.initiator` is the
 * principal, newest first; the cursor is the position of the last event of the previous page.
 */
export async function eventsInitiatedInFeed(feed: EventFeed, search: PrincipalSearch): Promise<Page<StoredEvent>> {
  const initiated: StoredEvent[] = [];
  for await (const event of feedEvents(feed, search.realm)) {
    if (event.meta.initiator === search.principal) initiated.push(event);
  }
  initiated.reverse();
  const cursor = search.before === undefined ? -1 : initiated.findIndex((event) => event.position === search.before);
  return pageOf(initiated.slice(cursor + 1, cursor + 2 + search.limit), search.limit, (event) => event.position as string);
}

/** The first `limit` of `found` (at most one more), with a cursor when there was one more. */
export function pageOf<T>(found: readonly T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  const items = found.slice(0, limit);
  const last = items.at(-1);
  return found.length > limit && last !== undefined ? { items, nextCursor: cursorOf(last) } : { items };
}
