import type { AggregateSummary, AuditedRequest, AuditReader, Page, RequestSearch } from "../../core/ports/audit.js";
import { aggregatesTouchedInFeed, eventsInitiatedInFeed, feedEvents, pageOf } from "../../core/ports/backend-audit.js";
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
      for await (const event of feedEvents(store, search.realm)) {
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
      return pageOf(sorted, search.limit, (summary) => summary.aggregateId);
    },

    async searchRequests(search: RequestSearch): Promise<Page<AuditedRequest>> {
      // The memory log has no ids of its own beyond insertion order; number rows by their position.
      const rows = store.requestLog(search.realm).map((row, index): AuditedRequest => ({ ...row, id: String(index + 1) }));
      const matching = rows
        .filter((row) => search.requestId === undefined || row.requestId === search.requestId)
        .filter((row) => search.interactionId === undefined || row.interactionId === search.interactionId)
        .filter((row) => search.before === undefined || Number(row.id) < Number(search.before))
        .reverse();
      return pageOf(matching, search.limit, (row) => row.id);
    },

    async requestsBy(search) {
      const rows = store.requestLog(search.realm).map((row, index): AuditedRequest => ({ ...row, id: String(index + 1) }));
      const matching = rows
        .filter((row) => row.principal?.id === search.principal)
        .filter((row) => search.before === undefined || Number(row.id) < Number(search.before))
        .reverse();
      return pageOf(matching, search.limit, (row) => row.id);
    },

    eventsInitiatedBy: (search) => eventsInitiatedInFeed(store, search),

    aggregatesTouched: (realm, requestIds) => aggregatesTouchedInFeed(store, realm, requestIds),
  };
}
