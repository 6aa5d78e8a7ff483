import { erasureEventType } from "../privacy/erasure.js";
import { erasedMarker } from "../privacy/sealer.js";
import type { StoredEvent } from "./events.js";
import { safeParseFirstJitless } from "./first-parse.js";
import type { EventDefinition, Service } from "./service.js";

/** A stored event the service cannot read: the where (realm, aggregate, sequence, position) and the why. */
export class EventReadError extends Error {
  override readonly name = "EventReadError";
  readonly code = "unreadable-event";
  readonly realm: string;
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly position: string | undefined;
  readonly type: string;
  readonly schemaVersion: number;
  /** Dotted path of the failing value in the upcast data (`data.amount`), "" for the event as a whole. */
  readonly path: string;
  readonly reason: string;

  constructor(event: StoredEvent, path: string, reason: string) {
    const version = event.schemaVersion ?? 1;
    const at = event.position === undefined ? "" : ` (position ${event.position})`;
    const inPath = path === "" ? "" : ` at ${path}`;
    super(
      `realm ${event.realm}, ${event.service}/${event.aggregateId} sequence ${event.sequence}${at}: ${event.type} version ${version}${inPath}: ${reason}`,
    );
    this.realm = event.realm;
    this.service = event.service;
    this.aggregateId = event.aggregateId;
    this.sequence = event.sequence;
    this.position = event.position;
    this.type = event.type;
    this.schemaVersion = version;
    this.path = path;
    this.reason = reason;
  }
}

/** The declared type a stored type name means: itself, or the type that took it as an alias. */
export function resolveEventType(
  service: Service,
  type: string,
): { readonly name: string; readonly definition: EventDefinition<unknown> } | undefined {
  const events = service.events as Readonly<Record<string, EventDefinition<unknown>>>;
  if (Object.hasOwn(events, type)) return { name: type, definition: events[type] as EventDefinition<unknown> };
  const name = aliasesOf(events).get(type);
  return name === undefined ? undefined : { name, definition: events[name] as EventDefinition<unknown> };
}

const aliasTables = new WeakMap<object, ReadonlyMap<string, string>>();

function aliasesOf(events: Readonly<Record<string, EventDefinition<unknown>>>): ReadonlyMap<string, string> {
  let table = aliasTables.get(events);
  if (table === undefined) {
    const built = new Map<string, string>();
    for (const [name, definition] of Object.entries(events)) for (const alias of definition.aliases ?? []) built.set(alias, name);
    table = built;
    aliasTables.set(events, table);
  }
  return table;
}

/**
 * A stored event as the service reads it today: its current type name, its data upcast version by
 * version to the current version and checked against the current schema. Throws EventReadError
 * when that is impossible (unknown type, a version newer than the code, an upcaster that throws,
 * data the schema refuses): such an event is never folded as if it fit.
 */
export function readEvent(service: Service, event: StoredEvent): StoredEvent {
  // The record `edd forget` appends belongs to no service's types and changes no state.
  if (event.type === erasureEventType) return event;
  const resolved = resolveEventType(service, event.type);
  if (resolved === undefined) throw new EventReadError(event, "type", `${service.name} declares no event type or alias ${event.type}`);
  const { name, definition } = resolved;
  const current = definition.version ?? 1;
  const stored = event.schemaVersion ?? 1;
  if (!Number.isSafeInteger(stored) || stored < 1) throw new EventReadError(event, "schemaVersion", `${stored} is not a version`);
  if (stored > current) {
    throw new EventReadError(
      event,
      "schemaVersion",
      `newer than this code's ${name} (version ${current}): it was written by a later release`,
    );
  }
  let data = event.data;
  for (let from = stored; from < current; from++) {
    const upcaster = definition.upcast?.[from] as ((data: unknown) => unknown) | undefined;
    if (upcaster === undefined) throw new EventReadError(event, "schemaVersion", `no upcaster from version ${from}`);
    const previous = definition.previous?.[from];
    if (previous !== undefined) {
      // Checked against its own version's schema first, so the upcaster gets the shape it is typed for.
      const older = previous.safeParse(data);
      const problem = older.success ? undefined : older.error.issues.find((found) => valueAt(data, found.path) !== erasedMarker);
      if (problem !== undefined) {
        const path = ["data", ...problem.path.map(String)].join(".");
        throw new EventReadError(event, path, `does not fit ${name} version ${from}'s schema: ${problem.message}`);
      }
      if (older.success) data = older.data;
    }
    try {
      data = upcaster(data);
    } catch (error) {
      throw new EventReadError(event, "data", `upcasting from version ${from} to ${from + 1} failed: ${messageOf(error)}`);
    }
  }
  const parsed = safeParseFirstJitless(definition.schema, data);
  // A forgotten subject's personal fields read as the erased marker (`edd forget`): the one
  // value a schema may not describe that is still a faithful reading of the event.
  const issue = parsed.success ? undefined : parsed.error.issues.find((found) => valueAt(data, found.path) !== erasedMarker);
  if (issue !== undefined) {
    const path = ["data", ...issue.path.map(String)].join(".");
    const upcast = stored === current ? "" : ` (upcast to version ${current})`;
    throw new EventReadError(event, path, `does not fit the current ${name} schema${upcast}: ${issue.message}`);
  }
  // The schema only checks: evolve sees the data as stored or upcast, never re-transformed by zod
  // (a transform already ran when the event was decided).
  const version = current === 1 && event.schemaVersion === undefined ? {} : { schemaVersion: current };
  if (name === event.type && stored === current) return version.schemaVersion === event.schemaVersion ? event : { ...event, ...version };
  return { ...event, type: name, ...version, data };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
