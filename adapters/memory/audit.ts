import type { StoredEvent } from "../../core/model/events.js";
import type { AggregateSummary, AuditedRequest, AuditReader, Page, RequestSearch, TouchedAggregate } from "../../core/ports/audit.js";
import type { MemoryStore } from "./store.js";

/**
 * The audit reads over a MemoryStore, through its public reads only (the event feed and the
 * request log), so the store keeps no extra indexes. Every call scans the realm: fine for tests
 * and demos, which is all a memory store is for.
 */
export function memoryAuditReader(store: MemoryStore): AuditReader {
  return {
    async listAggregates(search) {
      const prefix = search.idPrefix ?? "";
      const latest = new Map<string, AggregateSummary>();
      for (const event of await allEvents(store, search.realm)) {
        if (event.service !== search.service || !event.aggregateId.startsWith(prefix)) continue;
        latest.set(event.aggregateId, {
          service: event.service,
          aggregateId: event.aggregateId,
          version: event.sequence,
          updatedAt: event.time,
        });
      }
      const sorted = [...latest.values()]
        .filter((summary) => search.after === undefined || summary.aggregateId > search.after)
        .sort((a, b) => (a.aggregateId < b.aggregateId ? -1 : a.aggregateId > b.aggregateId ? 1 : 0));
      return page(sorted, search.limit, (summary) => summary.aggregateId);
    },

    async searchRequests(search: RequestSearch): Promise<Page<AuditedRequest>> {
      // The memory log has no ids of its own beyond insertion order; number rows by their position.
      const rows = store.requestLog(search.realm).map((row, index): AuditedRequest => ({ ...row, id: String(index + 1) }));
      const matching = rows
        .filter((row) => search.requestId === undefined || row.requestId === search.requestId)
        .filter((row) => search.interactionId === undefined || row.interactionId === search.interactionId)
        .filter((row) => search.before === undefined || Number(row.id) < Number(search.before))
        .reverse();
      return page(matching, search.limit, (row) => row.id);
    },

    async requestsBy(search) {
      const rows = store.requestLog(search.realm).map((row, index): AuditedRequest => ({ ...row, id: String(index + 1) }));
      const matching = rows
        .filter((row) => row.principal?.id === search.principal)
        .filter((row) => search.before === undefined || Number(row.id) < Number(search.before))
        .reverse();
      return page(matching, search.limit, (row) => row.id);
    },

    async eventsInitiatedBy(search) {
      const matching = (await allEvents(store, search.realm))
        .filter((event) => event.meta.initiator === search.principal)
        .filter((event) => search.before === undefined || Number(event.position) < Number(search.before))
        .reverse();
      return page(matching, search.limit, (event) => event.position as string);
    },

    async aggregatesTouched(realm, requestIds) {
      const wanted = new Set(requestIds);
      const touched = new Map<string, TouchedAggregate & { sequences: number[]; types: string[] }>();
      for (const event of await allEvents(store, realm)) {
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
    },
  };
}

async function allEvents(store: MemoryStore, realm: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let checkpoint: string | undefined;
  for (;;) {
    const feed = await store.readFeed(realm, checkpoint, 1000);
    if (feed.events.length === 0) return events;
    events.push(...feed.events);
    checkpoint = feed.checkpoint;
  }
}

function page<T>(sorted: readonly T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  return sorted.length > limit && last !== undefined ? { items, nextCursor: cursorOf(last) } : { items };
}
