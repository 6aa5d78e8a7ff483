import { erasureEventType } from "../privacy/erasure.js";
import { erasedMarker } from "../privacy/sealer.js";
import type { StoredEvent } from "./events.js";
import type { EventDefinition, Service } from "./service.js";

/**
 * Turns the data of one version of an event type into the next version's. It receives data as it
 * was stored, unchecked: annotate the parameter with the old shape, or parse it with the old schema.
 * (Declared as a method so an annotated parameter is accepted; nothing here needs `any`.)
 */
export type Upcaster = { upcast(data: never): unknown }["upcast"];

/** Upcasters by the version they read: `{ 1: (v1) => v2, 2: (v2) => v3 }`. */
export type Upcasters = Readonly<Record<number, Upcaster>>;

/** How an event type changed over time: the last argument of `ServiceBuilder.event`. */
export interface EventEvolution {
  /** The version new events are written with (default 1). Raise it when the schema changes shape. */
  readonly version?: number;
  /** One upcaster for every older version, each to the version after it. */
  readonly upcast?: Upcasters;
  /** Names this type was stored under before it was renamed. */
  readonly aliases?: readonly string[];
}

/** Refuses, at declaration, an evolution that could not read every older event. */
export function checkEvolution(
  service: string,
  declared: Readonly<Record<string, EventDefinition<unknown>>>,
  type: string,
  evolution: EventEvolution,
): void {
  const where = `${service} event ${type}`;
  const version = evolution.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`${where}: version must be a whole number from 1, got ${version}`);
  const upcast = evolution.upcast ?? {};
  for (const key of Object.keys(upcast)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new Error(`${where}: upcaster ${key} reads no older version (the current version is ${version})`);
    }
    if (typeof upcast[from] !== "function") throw new Error(`${where}: upcaster ${key} is not a function`);
  }
  for (let from = 1; from < version; from++) {
    if (!Object.hasOwn(upcast, from)) throw new Error(`${where}: no upcaster from version ${from} to ${from + 1}`);
  }
  const taken = new Map<string, string>();
  for (const [name, definition] of Object.entries(declared)) {
    taken.set(name, `event ${name}`);
    for (const alias of definition.aliases ?? []) taken.set(alias, `an alias of ${name}`);
  }
  const typeOwner = taken.get(type);
  if (typeOwner !== undefined && typeOwner !== `event ${type}`) throw new Error(`${where}: ${type} is already ${typeOwner}`);
  const seen = new Set<string>([type]);
  for (const alias of evolution.aliases ?? []) {
    if (typeof alias !== "string" || alias === "") throw new Error(`${where}: an alias must be a non-empty name`);
    if (seen.has(alias)) throw new Error(`${where}: alias ${alias} is given twice or is the type's own name`);
    const owner = taken.get(alias);
    if (owner !== undefined) throw new Error(`${where}: alias ${alias} is already ${owner}`);
    seen.add(alias);
  }
}

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
    try {
      data = upcaster(data);
    } catch (error) {
      throw new EventReadError(event, "data", `upcasting from version ${from} to ${from + 1} failed: ${messageOf(error)}`);
    }
  }
  const parsed = definition.schema.safeParse(data);
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
