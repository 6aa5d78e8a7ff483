/** JSON as it is stored: what events, states and attributes must be made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Metadata written beside every event: enough to trace it back to the request that caused it. */
export interface EventMeta {
  readonly requestId: string;
  readonly interactionId: string;
  readonly invocationId: string;
  readonly breadcrumbs: readonly number[];
  readonly user: string;
  readonly command: string;
  /** The principal of the root request, carried through effects and queues (absent on events older than it). */
  readonly initiator?: string;
  /** Who applied the event: the principal, or `system:effects/<service>`, `system:queue[/<service>]` for deliveries. */
  readonly actor?: string;
  /** The root request's free-form `meta` (the client's, without the system's keys). */
  readonly origin?: Readonly<Record<string, unknown>>;
}

/** An event the handler decided on, before the store numbered it. */
export interface NewEvent {
  readonly type: string;
  readonly data: unknown;
  /** The version of its type's schema the data has (docs/evolution.md); absent means 1. */
  readonly schemaVersion?: number;
}

/** An event as the store holds it. Positions are decimal strings: they are Postgres bigints and may exceed 2^53. */
export interface StoredEvent<Data = unknown, Type extends string = string> {
  readonly realm: string;
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly type: Type;
  readonly data: Data;
  /**
   * The version of the type's schema `data` was written with; absent means 1 (every event stored
   * before versions existed). Events read through the service are upcast to the current version.
   */
  readonly schemaVersion?: number;
  readonly meta: EventMeta;
  readonly time: string;
  readonly position?: string;
  readonly hash?: string;
}
