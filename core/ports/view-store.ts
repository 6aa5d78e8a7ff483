import type { ViewQuery } from "../model/view-query.js";

/** A view document's data: a JSON object (its fields are what queries filter and sort on). */
export type ViewData = Record<string, unknown>;

/** One document of a view, as searches and gets return it. */
export interface ViewDocument<D = ViewData> {
  readonly id: string;
  /** The version of the aggregate this document reflects (the sequence of the last event applied). */
  readonly version: number;
  readonly data: D;
}

/** What a projection writes: `data: null` deletes, leaving a tombstone that keeps the version. */
export interface ViewWrite {
  readonly id: string;
  readonly version: number;
  readonly data: ViewData | null;
}

/** What a projection reads back: the stored version even when the document was deleted. */
export interface ViewRecord {
  readonly id: string;
  readonly version: number;
  readonly data: ViewData | null;
}

export interface ViewPage<D = ViewData> {
  /** Documents matching the filter, not only those on this page. */
  readonly total: number;
  readonly items: readonly ViewDocument<D>[];
}

/**
 * Which generation of a view an operation addresses: `live` is what searches see; `shadow` is
 * the one a rebuild fills before it swaps it in.
 */
export type ViewSlot = "live" | "shadow";

/**
 * The port every view store implements. Documents are keyed by (realm, view, id); every method is
 * scoped to a realm. Writes are idempotent: a write lands only when its version is greater than
 * the stored one, so redelivered or reordered writes never move a document back in time.
 */
export interface ViewStore {
  /** Writes each document whose version is newer than the stored one; returns the ids that landed. */
  write(realm: string, view: string, writes: readonly ViewWrite[], slot?: ViewSlot): Promise<readonly string[]>;
  /** Stored records (tombstones included) of the given ids; ids never written are absent. */
  read(realm: string, view: string, ids: readonly string[], slot?: ViewSlot): Promise<ReadonlyMap<string, ViewRecord>>;

  get(realm: string, view: string, id: string): Promise<ViewDocument | undefined>;
  /** Deletes as of `version` (a tombstone): an older write arriving later cannot bring it back. */
  delete(realm: string, view: string, id: string, version: number): Promise<boolean>;
  /** Runs a query (see core/model/view-query.ts) against the live generation. */
  search(realm: string, view: string, query: ViewQuery): Promise<ViewPage>;

  /** Starts an empty shadow generation, discarding any earlier unfinished one. */
  createShadow(realm: string, view: string): Promise<void>;
  hasShadow(realm: string, view: string): Promise<boolean>;
  /** Makes the shadow live in one atomic step and drops the generation it replaces. */
  swapShadow(realm: string, view: string): Promise<void>;
  dropShadow(realm: string, view: string): Promise<void>;

  close(): Promise<void>;
}

/** A write aimed at the shadow when none was created: the rebuild must call createShadow first. */
export class MissingShadowError extends Error {
  override readonly name = "MissingShadowError";
  constructor(realm: string, view: string) {
    super(`view ${view} in realm ${realm} has no shadow: call createShadow before writing to it`);
  }
}

/** Lower-case words joined by single hyphens, optionally `service.view`; safe as an OpenSearch index part. */
export const viewNamePattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*)?$/;

export function assertViewName(view: string): void {
  if (view.length > 100 || !viewNamePattern.test(view)) {
    throw new Error(`view name must be kebab-case words, optionally prefixed by a service and a dot (e.g. accounts.summary): ${view}`);
  }
}

/** Keeps the highest version per id, so one batch never writes a document twice. */
export function latestPerId(writes: readonly ViewWrite[]): ViewWrite[] {
  const latest = new Map<string, ViewWrite>();
  for (const write of writes) {
    const seen = latest.get(write.id);
    if (seen === undefined || write.version > seen.version) latest.set(write.id, write);
  }
  return [...latest.values()];
}

/** `ViewStore.get` in terms of `read`: one live document, absent when never written or deleted. */
export async function getFromRead(
  store: Pick<ViewStore, "read">,
  realm: string,
  view: string,
  id: string,
): Promise<ViewDocument | undefined> {
  const record = (await store.read(realm, view, [id])).get(id);
  return record === undefined || record.data === null ? undefined : { id, version: record.version, data: record.data };
}

/** `ViewStore.delete` in terms of `write`: a tombstone at `version`; true when it landed. */
export async function deleteByWrite(
  store: Pick<ViewStore, "write">,
  realm: string,
  view: string,
  id: string,
  version: number,
): Promise<boolean> {
  return (await store.write(realm, view, [{ id, version, data: null }])).length > 0;
}
