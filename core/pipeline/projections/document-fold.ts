import type { StoredEvent } from "../../model/events.js";
import type { Projection } from "../../model/projection.js";
import type { Store } from "../../ports/store.js";
import type { ViewData } from "../../ports/view-store.js";
import { erasureEventType } from "../../privacy/erasure.js";

/** Reads an aggregate's history: what a projection re-folds a document from when its personal data is erased. */
export type AggregateHistory = Pick<Store, "readAggregateEvents">;

/** The record `edd forget` appends: it touches every document of its aggregate in the service's projections. */
export function isErasureFor(projection: Projection<ViewData>, event: StoredEvent): boolean {
  return event.type === erasureEventType && event.service === projection.service;
}

/**
 * An erasure makes a document what its aggregate's events now say, personal fields erased: it is
 * folded again from the history before the erasure and moves to the erasure's version. Undefined
 * when that history gives the projection no document.
 */
export async function refoldBefore(
  projection: Projection<ViewData>,
  erasure: StoredEvent,
  history: AggregateHistory,
): Promise<{ version: number; data: ViewData | null } | undefined> {
  const ref = { realm: erasure.realm, service: erasure.service, aggregateId: erasure.aggregateId };
  const earlier = (await history.readAggregateEvents(ref, 0)).filter((event) => event.sequence < erasure.sequence);
  const folded = foldDocument(projection, earlier);
  return folded === undefined ? undefined : { version: erasure.sequence, data: folded.data };
}

/** The record a projection holds for one aggregate after these events (its history from the first), as applyEvents builds it. */
export function foldDocument(
  projection: Projection<ViewData>,
  events: readonly StoredEvent[],
): { version: number; data: ViewData | null } | undefined {
  let record: { version: number; data: ViewData | null } | undefined;
  for (const event of events) {
    if (isErasureFor(projection, event)) {
      // Events already read with their personal data erased: the fold so far is the erased document.
      if (record !== undefined) record = { ...record, version: event.sequence };
      continue;
    }
    if (!projection.handles(event)) continue;
    const next = projection.apply(event, record?.data ?? undefined);
    if (next === undefined) continue;
    record = { version: event.sequence, data: next };
  }
  return record;
}
