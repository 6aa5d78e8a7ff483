import type { StoredEvent } from "../../model/events.js";
import { type IdentityReader, identityFileOrder, type RealmRecordReader } from "../../ports/importer.js";
import type { EventFeed } from "../../ports/store.js";
import { inFileOrder, type Sorter } from "./file-order.js";
import { recordLines } from "./realm-records.js";
import { line } from "./export-line.js";

/** The export format's name and version, written in the header line (docs/data-format.md). */
export const exportFormat = "edd.realm-export";
export const exportFormatVersion = 2;
/** Versions an import reads: 1 had events and identities only. */
export const readableFormatVersions = [1, 2] as const;

export interface ExportOptions {
  readonly store: EventFeed;
  readonly identities: IdentityReader;
  readonly realm: string;
  /** Stored answers, request log, dead letters and undelivered effects; without it those sections are empty. */
  readonly records?: RealmRecordReader;
  /** Feed page size (default 1000). */
  readonly pageSize?: number;
  readonly onProgress?: (events: number) => void;
  /** Puts in order what the store does not list in file order (default: in memory; `edd export` spills to disk). */
  readonly sort?: Sorter;
}

/**
 * A realm's whole event log as JSON Lines: a header, every event in feed order, every identity
 * sorted by service then name, and an end line with the counts (a cut-off file has none). Keys come
 * in a fixed order and nested JSON with sorted keys, so equal logs give byte-identical files
 * whatever store they come from. Positions are the store's own and are left out: line order
 * carries the order.
 */
export async function* exportRealm(options: ExportOptions): AsyncGenerator<string> {
  const { store, realm } = options;
  yield line({ kind: "header", format: exportFormat, version: exportFormatVersion, realm });
  let events = 0;
  let checkpoint: string | undefined;
  for (;;) {
    const page = await store.readFeed(realm, checkpoint, options.pageSize ?? 1000);
    if (page.events.length === 0) break;
    for (const event of page.events) yield eventLine(event);
    events += page.events.length;
    checkpoint = page.checkpoint;
    options.onProgress?.(events);
  }
  let identities = 0;
  const reader = options.identities;
  const listed = reader.listIdentities(realm);
  for await (const identity of inFileOrder(listed, reader.identitiesInFileOrder, identityFileOrder, "identity", options.sort)) {
    yield line({ kind: "identity", service: identity.service, name: identity.name, aggregateId: identity.aggregateId });
    identities++;
  }
  const counts = { responses: 0, requests: 0, deadLetters: 0, outbox: 0 };
  if (options.records !== undefined) yield* recordLines(options.records, realm, counts, options.sort);
  yield line({ kind: "end", events, identities, ...counts });
}

export function eventLine(event: StoredEvent): string {
  if (event.hash === undefined) throw new Error(`${event.service}/${event.aggregateId} sequence ${event.sequence} has no hash to export`);
  return line({
    kind: "event",
    service: event.service,
    aggregateId: event.aggregateId,
    sequence: event.sequence,
    type: event.type,
    // The stored form: version 1 (most events) is left out, as it is in the hash.
    ...(event.schemaVersion === undefined || event.schemaVersion === 1 ? {} : { schemaVersion: event.schemaVersion }),
    time: event.time,
    data: event.data,
    meta: event.meta,
    hash: event.hash,
  });
}
