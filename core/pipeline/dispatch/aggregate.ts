import type { StoredEvent } from "../../model/events.js";
import { readEvent } from "../../model/event-read.js";
import type { Service } from "../../model/service.js";
import type { AggregateHistory, AggregateRef, AggregateState } from "../../ports/store.js";
import { erasureEventType } from "../../privacy/erasure.js";

export interface LoadedAggregate {
  readonly state: unknown;
  readonly version: number;
}

/**
 * Folds stored events into state with the service's evolve functions, each read first (renamed,
 * upcast and checked against the current schema): an event that does not fit throws EventReadError.
 */
export function evolveAll(service: Service, state: unknown, events: readonly StoredEvent[]): unknown {
  return evolveRead(
    service,
    state,
    events.map((event) => readEvent(service, event)),
  );
}

/** Folds events already in their current form: those a handler just decided, or readEvent's output. */
export function evolveRead(service: Service, state: unknown, events: readonly StoredEvent[]): unknown {
  let current = state;
  for (const event of events) {
    // The record of an erasure (`edd forget`) changes no state: the erased fields already read so.
    if (event.type === erasureEventType) continue;
    const definition = service.events[event.type];
    if (definition === undefined) throw new Error(`${service.name} has no evolve for event type ${event.type}`);
    current = definition.evolve(current, event.data, event);
  }
  return current;
}

/**
 * Current state = latest snapshot + any events after it. Snapshots are written in the same
 * transaction as events, so the tail is normally empty; reading it keeps loads correct anyway.
 */
export async function loadAggregate(store: AggregateHistory, service: Service, ref: AggregateRef): Promise<LoadedAggregate> {
  const { snapshot, tail } = await readAggregateState(store, ref);
  const base = snapshot ?? { state: service.initialState(), version: 0 };
  const last = tail.at(-1);
  return { state: evolveAll(service, base.state, tail), version: last === undefined ? base.version : last.sequence };
}

/** Snapshot + tail: in one round trip when the store offers it. */
export async function readAggregateState(store: AggregateHistory, ref: AggregateRef): Promise<AggregateState> {
  if (store.loadAggregateState !== undefined) return store.loadAggregateState(ref);
  const snapshot = await store.loadSnapshot(ref);
  const tail = await store.readAggregateEvents(ref, snapshot?.version ?? 0);
  return snapshot === undefined ? { tail } : { snapshot, tail };
}
