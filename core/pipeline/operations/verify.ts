import type { StoredEvent } from "../../model/events.js";
import type { Projection } from "../../model/projection.js";
import type { Service } from "../../model/service.js";
import type { AggregateLister, AuditReader } from "../../ports/audit.js";
import type { ChainBreak, ChainChecker } from "../../ports/hash-chain.js";
import type { AggregateRef, EventFeed, AggregateHistory } from "../../ports/store.js";
import type { ViewData, ViewRecord, ViewStore } from "../../ports/view-store.js";
import { evolveAll } from "../dispatch/aggregate.js";
import { foldDocument } from "../projections/projection.js";
import type { AnchorProblem } from "./verify-anchor.js";
import { batches } from "./batches.js";
import { asStored, differences } from "./json-differences.js";

export type VerifyProblem =
  | {
      readonly kind: "broken-chain";
      readonly service: string;
      readonly aggregateId: string;
      readonly sequence: number;
      readonly reason: string;
    }
  | { readonly kind: "replay-failed"; readonly service: string; readonly aggregateId: string; readonly reason: string }
  | {
      readonly kind: "drift";
      readonly service: string;
      readonly aggregateId: string;
      /** "snapshot", or "view <view> (<projection>)". */
      readonly target: string;
      /** Dotted path in the compared record, e.g. `state.balance`, `version`, `data.owner`; "" for the whole record. */
      readonly path: string;
      readonly expected: unknown;
      readonly found: unknown;
    }
  /** Found by `edd verify --anchor`: history the anchor signed, rewritten or deleted since. */
  | AnchorProblem;

export interface VerifyProgress {
  readonly aggregates: number;
  readonly events: number;
}

export interface VerifyOptions {
  readonly store: AggregateHistory;
  /**
   * The store beneath a PrivateStore (docs/privacy.md): the chain is checked over what is stored,
   * sealed personal data included, while `store` opens it for the replay.
   */
  readonly storedForm?: Pick<AggregateHistory, "readAggregateEvents">;
  readonly services: readonly Service[];
  readonly listAggregates: AggregateLister;
  readonly checkChain: ChainChecker;
  /** With projections: every document they would write is compared with the live view. */
  readonly views?: Pick<ViewStore, "read">;
  readonly projections?: readonly Projection<ViewData>[];
  readonly realm: string;
  readonly service?: string;
  readonly aggregateId?: string;
  /** Aggregates verified together: one view read per projection per batch (default 100). */
  readonly batchSize?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  readonly realm: string;
  readonly aggregates: number;
  readonly events: number;
  readonly problems: readonly VerifyProblem[];
}

/**
 * Replays every aggregate in scope from its events and checks what the store and the views hold
 * against it: the hash chain, the snapshot, and each projection's document. Read-only. Views are
 * eventually consistent, so run it with the projectors caught up, or their lag shows as drift.
 */
export async function verifyRealm(options: VerifyOptions): Promise<VerifyReport> {
  const services = options.services.filter((s) => options.service === undefined || s.name === options.service);
  if (options.service !== undefined && services.length === 0) throw new Error(`unknown service ${options.service}`);
  const batchSize = options.batchSize ?? 100;
  const problems: VerifyProblem[] = [];
  const progress = { aggregates: 0, events: 0 };
  for (const service of services) {
    const ids = options.aggregateId === undefined ? options.listAggregates(options.realm, service.name) : only(options.aggregateId);
    for await (const batch of batches(ids, batchSize)) {
      const refs = batch.map((aggregateId) => ({ realm: options.realm, service: service.name, aggregateId }));
      const replays = await Promise.all(refs.map((ref) => verifyAggregate(options, service, ref)));
      for (const replay of replays) problems.push(...replay.problems);
      await compareViews(options, service, replays, problems);
      progress.aggregates += replays.filter((r) => r.events.length > 0 || r.hadSnapshot).length;
      progress.events += replays.reduce((sum, r) => sum + r.events.length, 0);
      options.onProgress?.({ ...progress });
    }
  }
  return { realm: options.realm, ...progress, problems };
}

interface Replay {
  readonly ref: AggregateRef;
  readonly events: readonly StoredEvent[];
  /** The events could not be folded (reported as replay-failed): nothing to compare views with. */
  readonly failed?: boolean;
  readonly hadSnapshot: boolean;
  readonly problems: readonly VerifyProblem[];
}

async function verifyAggregate(options: VerifyOptions, service: Service, ref: AggregateRef): Promise<Replay> {
  const [events, snapshot] = await Promise.all([options.store.readAggregateEvents(ref, 0), options.store.loadSnapshot(ref)]);
  const where = { service: ref.service, aggregateId: ref.aggregateId };
  const problems: VerifyProblem[] = [];
  const stored = options.storedForm === undefined ? events : await options.storedForm.readAggregateEvents(ref, 0);
  const chainBreak =
    missingEvent(stored) ?? (stored.length === 0 ? undefined : options.checkChain(stored)) ?? missingTail(stored, snapshot?.version);
  if (chainBreak !== undefined) problems.push({ kind: "broken-chain", ...where, ...chainBreak });

  let state: unknown;
  try {
    state = asStored(evolveAll(service, service.initialState(), events));
  } catch (error) {
    problems.push({ kind: "replay-failed", ...where, reason: error instanceof Error ? error.message : String(error) });
    return { ref, events, hadSnapshot: snapshot !== undefined, problems, failed: true };
  }
  if (events.length > 0 || snapshot !== undefined) {
    const expected = { state, version: events.at(-1)?.sequence ?? 0 };
    for (const difference of differences(expected, snapshot === undefined ? undefined : asStored(snapshot), "")) {
      problems.push({ kind: "drift", ...where, target: "snapshot", ...difference });
    }
  }
  return { ref, events, hadSnapshot: snapshot !== undefined, problems };
}

/** A gap in the sequences: the hash chain cannot say which event went missing, the numbers can. */
function missingEvent(events: readonly StoredEvent[]): ChainBreak | undefined {
  for (const [index, event] of events.entries()) {
    const expected = index + 1;
    if (event.sequence !== expected) {
      return { sequence: expected, reason: `event ${expected} is missing (the next stored event is ${event.sequence})` };
    }
  }
  return undefined;
}

/** The last events are gone: no gap shows it, but the snapshot remembers a higher version. */
function missingTail(events: readonly StoredEvent[], snapshotVersion: number | undefined): ChainBreak | undefined {
  const last = events.at(-1)?.sequence ?? 0;
  if (snapshotVersion === undefined || snapshotVersion <= last) return undefined;
  return {
    sequence: last + 1,
    reason: `event ${last + 1} is missing (the snapshot is at version ${snapshotVersion}, the last stored event is ${last})`,
  };
}

async function compareViews(options: VerifyOptions, service: Service, replays: readonly Replay[], problems: VerifyProblem[]) {
  const { views, projections = [] } = options;
  if (views === undefined) return;
  for (const projection of projections.filter((p) => p.service === service.name)) {
    const ids = replays.map((r) => r.ref.aggregateId);
    const stored = await views.read(options.realm, projection.view, ids);
    for (const replay of replays.filter((r) => r.failed !== true)) {
      const expected = projectDocument(projection, replay.events);
      const found = stored.get(replay.ref.aggregateId);
      const target = `view ${projection.view} (${projection.name})`;
      for (const difference of differences(expected, found === undefined ? undefined : asStored(pick(found)), "")) {
        problems.push({ kind: "drift", service: service.name, aggregateId: replay.ref.aggregateId, target, ...difference });
      }
    }
  }
}

/** The record a projection would hold for one aggregate after all its events, as applyEvents builds it. */
function projectDocument(
  projection: Projection<ViewData>,
  events: readonly StoredEvent[],
): Pick<ViewRecord, "version" | "data"> | undefined {
  const record = foldDocument(projection, events);
  return record === undefined ? undefined : (asStored(record) as Pick<ViewRecord, "version" | "data">);
}

const pick = (record: ViewRecord) => ({ version: record.version, data: record.data });

async function* only(id: string): AsyncIterable<string> {
  yield id;
}

/**
 * Lists aggregates through the audit port, page by page. On the SQL store that is an index range
 * over `snapshots` (one row per aggregate): constant memory, one query per page.
 */
export function auditAggregateLister(reader: Pick<AuditReader, "listAggregates">, pageSize = 500): AggregateLister {
  return async function* (realm, service) {
    let after: string | undefined;
    do {
      const page = await reader.listAggregates({ realm, service, limit: pageSize, ...(after === undefined ? {} : { after }) });
      for (const summary of page.items) yield summary.aggregateId;
      after = page.nextCursor;
    } while (after !== undefined);
  };
}

/**
 * Lists aggregates by reading the realm's feed once and keeping each distinct id: works on any
 * store, costs one full read of the feed and memory for the ids. The fallback when a store has no
 * audit reader. Unlike the snapshot listing, it cannot see an aggregate whose every event is gone.
 */
export function feedAggregateLister(store: EventFeed, pageSize = 1000): AggregateLister {
  const byRealm = new Map<string, Promise<Map<string, Set<string>>>>();
  const collect = async (realm: string) => {
    const ids = new Map<string, Set<string>>();
    let checkpoint: string | undefined;
    for (;;) {
      const page = await store.readFeed(realm, checkpoint, pageSize);
      if (page.events.length === 0) return ids;
      for (const event of page.events) {
        const set = ids.get(event.service) ?? new Set<string>();
        set.add(event.aggregateId);
        ids.set(event.service, set);
      }
      checkpoint = page.checkpoint;
    }
  };
  return async function* (realm, service) {
    let ids = byRealm.get(realm);
    if (ids === undefined) {
      ids = collect(realm);
      byRealm.set(realm, ids);
    }
    yield* (await ids).get(service) ?? [];
  };
}
