import type { StoredEvent } from "../../model/events.js";
import type { Service } from "../../model/service.js";
import type { AggregateRef, Store } from "../../ports/store.js";
import { evolveAll } from "../dispatch/aggregate.js";

/** A point in an aggregate's history: after event number `version`, or as it stood at an instant. */
export type HistoryPoint = { readonly version: number } | { readonly time: string };

export interface StateAt {
  readonly state: unknown;
  /** The number of events folded (0: the initial state). */
  readonly version: number;
  /** When the last folded event was written; absent at version 0. */
  readonly time?: string;
  /** How many events the aggregate has now. */
  readonly latestVersion: number;
}

/**
 * The state of an aggregate at a version or an instant, folded from its events with the service's
 * own evolve functions (snapshots are not used: they hold only the latest state). Read-only.
 */
export async function stateAt(
  store: Pick<Store, "readAggregateEvents">,
  service: Service,
  ref: AggregateRef,
  at: HistoryPoint,
): Promise<StateAt> {
  const events = await store.readAggregateEvents(ref);
  const included = "version" in at ? events.filter((e) => e.sequence <= at.version) : upTo(events, Date.parse(at.time));
  const last = included.at(-1);
  return {
    state: evolveAll(service, service.initialState(), included),
    version: last?.sequence ?? 0,
    ...(last === undefined ? {} : { time: last.time }),
    latestVersion: events.at(-1)?.sequence ?? 0,
  };
}

function upTo(events: readonly StoredEvent[], instant: number): StoredEvent[] {
  if (Number.isNaN(instant)) throw new RangeError("not a time: use ISO-8601, e.g. 2026-01-02T03:04:05.678Z");
  return events.filter((e) => Date.parse(e.time) <= instant);
}
