import type { Breadcrumbs } from "../model/breadcrumbs.js";
import type { StoredEvent } from "../model/events.js";
import type { RequestLogEntry, RequestOutcome } from "./store.js";

/** One aggregate as an operator finds it in a list: enough to pick it, not its events. */
export interface AggregateSummary {
  readonly service: string;
  readonly aggregateId: string;
  readonly version: number;
  /** When its last event was written (ISO-8601). */
  readonly updatedAt: string;
}

/** Aggregates of one service whose id starts with `idPrefix`, in id order, after the cursor. */
export interface AggregateSearch {
  readonly realm: string;
  readonly service: string;
  /** Empty or omitted: every aggregate of the service. */
  readonly idPrefix?: string;
  /** The `nextCursor` of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `after` / `before` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

/** A request log row with its id and, once answered, its outcome (status and error code). */
export interface AuditedRequest extends RequestLogEntry {
  readonly id: string;
  readonly outcome?: RequestOutcome;
}

/** Request log rows of a realm, newest first, optionally narrowed to one request or interaction id. */
export interface RequestSearch {
  readonly realm: string;
  readonly requestId?: string;
  readonly interactionId?: string;
  /** The `nextCursor` of the previous page: rows logged before it. */
  readonly before?: string;
  readonly limit: number;
}

/** Events one request (at one point of its effect chain) wrote to one aggregate. */
export interface TouchedAggregate {
  readonly requestId: string;
  readonly breadcrumbs: Breadcrumbs;
  readonly service: string;
  readonly aggregateId: string;
  readonly sequences: readonly number[];
  /** The type of each of those events, in the same order; absent from readers that do not know them. */
  readonly types?: readonly string[];
}

/** What one principal did in a realm, newest first, a page at a time. */
export interface PrincipalSearch {
  readonly realm: string;
  /** The principal's id, as the request log and `meta.initiator` record it. */
  readonly principal: string;
  /** The `nextCursor` of the previous page: rows (request-log ids, or event positions) before it. */
  readonly before?: string;
  readonly limit: number;
}

/**
 * The reader's store cannot answer this query (e.g. it has no index for it): the explorer says so
 * instead of failing the page. `query` names the method.
 */
export class AuditQueryNotSupportedError extends Error {
  readonly code = "audit-query-not-supported";
  constructor(
    readonly query: string,
    readonly backend: string,
  ) {
    super(`${backend} cannot answer ${query}: it keeps no index for it`);
    this.name = "AuditQueryNotSupportedError";
  }
}

/** The principal queries for a reader whose store has no index for them: each throws AuditQueryNotSupportedError. */
export function principalQueriesNotSupported(backend: string): Pick<AuditReader, "requestsBy" | "eventsInitiatedBy"> {
  return {
    requestsBy: async () => {
      throw new AuditQueryNotSupportedError("requestsBy", backend);
    },
    eventsInitiatedBy: async () => {
      throw new AuditQueryNotSupportedError("eventsInitiatedBy", backend);
    },
  };
}

/**
 * What an operator's audit view reads beyond the Store port, which already answers events of one
 * aggregate, identities and dead letters. Read-only, and like the store, scoped to one realm per call.
 */
export interface AuditReader {
  listAggregates(search: AggregateSearch): Promise<Page<AggregateSummary>>;
  searchRequests(search: RequestSearch): Promise<Page<AuditedRequest>>;
  /** The aggregates the given requests wrote events to, in the order the events were written. */
  aggregatesTouched(realm: string, requestIds: readonly string[]): Promise<readonly TouchedAggregate[]>;
  /** Request-log rows the principal sent (`principal.id`), newest first. */
  requestsBy(search: PrincipalSearch): Promise<Page<AuditedRequest>>;
  /**
   * Events whose `meta.initiator` is the principal: those its requests wrote and those their
   * effects and queue deliveries wrote on its behalf, newest first; the cursor is a position.
   */
  eventsInitiatedBy(search: PrincipalSearch): Promise<Page<StoredEvent>>;
}

/** The ids of one service's aggregates in a realm, streamed so a big realm never sits in memory. */
export type AggregateLister = (realm: string, service: string) => AsyncIterable<string>;
