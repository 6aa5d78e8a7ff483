import type { z } from "zod";
import type { StoredEvent } from "./events.js";
import { readEvent, resolveEventType } from "./event-read.js";
import type { EventMap, Service } from "./service.js";

/**
 * What a projection handler returns for one event: the document's new data, `null` to delete it,
 * or `undefined` to leave it as it is. Handlers must be pure: redelivery and concurrent projectors
 * rely on the same event and document always giving the same result.
 */
export type ProjectionResult<D> = D | null | undefined;

export type ProjectionHandlers<E extends EventMap, D> = {
  readonly [K in keyof E & string]?: (event: StoredEvent<E[K], K>, current: D | undefined) => ProjectionResult<D>;
};

export interface ProjectionSpec<E extends EventMap, D> {
  /** Names the projection's checkpoint: change it (or rebuild) when the handlers change meaning. */
  readonly name: string;
  /** The view it writes, conventionally `<service>.<view>`, e.g. `accounts.summary`. */
  readonly view: string;
  readonly events: ProjectionHandlers<E, D>;
  /**
   * The documents' shape, for what it marks personal (`.meta({ personal: true })`): those fields
   * are sealed in the view like in events (docs/privacy.md). Without it the fields the service's
   * events mark personal are, at the same paths.
   */
  readonly document?: z.ZodType;
}

/**
 * A projection as the pipeline sees it: one document per aggregate of one service, keyed by the
 * aggregate id and versioned by the sequence of the last event that changed it.
 */
export interface Projection<D = Record<string, unknown>, E extends EventMap = EventMap> {
  readonly name: string;
  readonly service: string;
  readonly view: string;
  handles(event: StoredEvent): boolean;
  apply(event: StoredEvent, current: D | undefined): ProjectionResult<D>;
  /** The service whose events it reads (defineProjection sets it): the test kit reads given events with it. */
  readonly source?: Service;
  /** The documents' declared shape, if given: what the view seals (docs/privacy.md). */
  readonly document?: z.ZodType;
  /** Phantom: the events of the projected service, for the typed test kit. */
  readonly __events?: E;
}

const projectionNamePattern = /^[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*$/;

/** Declares a projection of a service's events, typed by the events that service declares. */
export function defineProjection<E extends EventMap, D extends Record<string, unknown>>(
  service: Service<unknown, E>,
  spec: ProjectionSpec<E, D>,
): Projection<D, E> {
  if (!projectionNamePattern.test(spec.name)) throw new Error(`projection name must be lower-case words joined by - or .: ${spec.name}`);
  const handlers = spec.events as unknown as Readonly<Record<string, (event: StoredEvent, current: D | undefined) => ProjectionResult<D>>>;
  for (const type of Object.keys(handlers)) {
    if (!Object.hasOwn(service.events, type))
      throw new Error(`projection ${spec.name} handles ${type}, which service ${service.name} does not declare`);
  }
  return {
    name: spec.name,
    service: service.name,
    view: spec.view,
    source: service as unknown as Service,
    ...(spec.document === undefined ? {} : { document: spec.document }),
    // Stored events come in as stored: renamed types are resolved, and each handled event is read
    // (upcast and checked) first, so handlers only ever see the current form.
    handles: (event) => {
      if (event.service !== service.name) return false;
      const type = resolveEventType(service as unknown as Service, event.type)?.name;
      return type !== undefined && Object.hasOwn(handlers, type);
    },
    apply(event, current) {
      const read = readEvent(service as unknown as Service, event);
      const handler = handlers[read.type];
      return handler === undefined ? undefined : handler(read, current);
    },
  };
}
