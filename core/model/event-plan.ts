import type { StoredEvent } from "./events.js";
import type { AggregateChange } from "../ports/store.js";
import type { HashChain } from "./hash-chain.js";

/** An event numbered and hashed, ready to insert. */
export interface PlannedEvent {
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly type: string;
  /** 1 when the event does not say. */
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly change: AggregateChange;
  readonly hash: string;
}

/** Numbers a change's events after its expected version and links each hash to the one before. */
export function chainEvents(
  eventHash: HashChain["eventHash"],
  realm: string,
  change: AggregateChange,
  previousHash: string | null,
  time: string,
): PlannedEvent[] {
  const version = change.expectedVersion + change.events.length;
  if (change.snapshot.version !== version) {
    throw new Error(
      `${change.service}/${change.aggregateId}: snapshot version ${change.snapshot.version} is not the version after the change (${version})`,
    );
  }
  let previous = previousHash;
  // Objects written out rather than spread from a shared one: this runs for every event committed.
  return change.events.map((event, i) => {
    const sequence = change.expectedVersion + i + 1;
    const schemaVersion = event.schemaVersion ?? 1;
    const hash = eventHash(previous, {
      realm,
      service: change.service,
      aggregateId: change.aggregateId,
      sequence,
      type: event.type,
      schemaVersion,
      data: event.data,
      meta: change.meta,
      time,
    });
    previous = hash;
    return {
      realm,
      service: change.service,
      aggregateId: change.aggregateId,
      sequence,
      type: event.type,
      schemaVersion,
      data: event.data,
      change,
      hash,
    };
  });
}

export function toStoredEvent(realm: string, time: string, event: PlannedEvent, position: string): StoredEvent {
  return {
    realm,
    service: event.service,
    aggregateId: event.aggregateId,
    sequence: event.sequence,
    type: event.type,
    data: event.data,
    ...(event.schemaVersion === 1 ? {} : { schemaVersion: event.schemaVersion }),
    meta: event.change.meta,
    time,
    position,
    hash: event.hash,
  };
}

export function aggregateKey(service: string, id: string): string {
  return `${service}\u0000${id}`;
}
