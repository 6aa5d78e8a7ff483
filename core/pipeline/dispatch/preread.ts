import type { CommandRequest } from "../../model/envelope.js";
import type { AggregateHistory, AggregateRef, AggregateState } from "../../ports/store.js";
import type { ServiceRegistry } from "../registry.js";
import { readAggregateState } from "./aggregate.js";

/**
 * The aggregates a request's commands name, each once: read beside the request's log entry when
 * the store can, so the first attempt needs no round trip of its own to load them. Commands that
 * do not resolve are left out; validation reports them afterwards.
 */
export function commandRefs(registry: ServiceRegistry, request: CommandRequest, realm: string): AggregateRef[] {
  const refs = new Map<string, AggregateRef>();
  for (const entry of request.commands) {
    let service: string;
    try {
      service = registry.command(entry.command, entry.service).service.name;
    } catch {
      continue;
    }
    refs.set(`${service}\u0000${entry.aggregateId}`, { realm, service, aggregateId: entry.aggregateId });
  }
  return [...refs.values()];
}

/**
 * The store as a first attempt reads it: each aggregate read beside the log entry is served once
 * from that read, everything else from the store. A state that moved meanwhile only costs a
 * retry: the commit checks the version it was decided on.
 */
export function prereadHistory(
  store: AggregateHistory,
  refs: readonly AggregateRef[],
  states: readonly AggregateState[],
): AggregateHistory {
  const ready = new Map(refs.map((ref, i) => [refKey(ref), states[i]]));
  return {
    loadSnapshot: (ref) => store.loadSnapshot(ref),
    readAggregateEvents: (ref, afterSequence) => store.readAggregateEvents(ref, afterSequence),
    loadAggregateState: (ref) => {
      const key = refKey(ref);
      const state = ready.get(key);
      ready.delete(key);
      return state === undefined ? readAggregateState(store, ref) : Promise.resolve(state);
    },
  };
}

const refKey = (ref: AggregateRef) => `${ref.realm}\u0000${ref.service}\u0000${ref.aggregateId}`;
