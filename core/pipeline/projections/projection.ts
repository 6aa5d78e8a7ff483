import type { StoredEvent } from "../../model/events.js";
import type { Projection } from "../../model/projection.js";
import type { CheckpointStore } from "../../ports/checkpoints.js";
import type { Store } from "../../ports/store.js";
import type { ViewData, ViewSlot, ViewStore, ViewWrite } from "../../ports/view-store.js";
import { erasureEventType } from "../../privacy/erasure.js";

/** Reads an aggregate's history: what a projection re-folds a document from when its personal data is erased. */
export type AggregateHistory = Pick<Store, "readAggregateEvents">;

export interface ProjectorOptions {
  /** With readAggregateEvents, documents are re-folded when `edd forget` erases their aggregate's personal data. */
  readonly store: Pick<Store, "readFeed"> & Partial<AggregateHistory>;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly projection: Projection<ViewData>;
  readonly realm: string;
  /** Events read per step (default 500). */
  readonly batchSize?: number;
}

export interface ProjectionStep {
  /** Events read from the feed in this step, relevant to the projection or not. */
  readonly events: number;
  /** Documents that landed (older or already-applied versions do not count). */
  readonly written: number;
  /** False when another projector moved the checkpoint first; its work and ours agree. */
  readonly advanced: boolean;
}

export interface Projector {
  /** Reads one page of the feed after the checkpoint, writes the views, then advances the checkpoint. */
  runOnce(): Promise<ProjectionStep>;
  /** Runs steps until the feed has nothing new; returns the number of events read. */
  drain(): Promise<number>;
}

/**
 * Keeps one projection's view up to date in one realm. Views are written before the checkpoint
 * moves, so a crash in between only means the page is read again; the version guard then skips
 * every event a document already reflects. That makes redelivery and concurrent projectors safe.
 */
export function createProjector(options: ProjectorOptions): Projector {
  const { store, views, checkpoints, projection, realm } = options;
  const batchSize = options.batchSize ?? 500;
  const runOnce = async (): Promise<ProjectionStep> => {
    const checkpoint = await checkpoints.load(realm, projection.name);
    const page = await store.readFeed(realm, checkpoint, batchSize);
    if (page.events.length === 0) return { events: 0, written: 0, advanced: true };
    const written = await applyEvents(projection, page.events, views, realm, "live", historyOf(store));
    const advanced = await checkpoints.advance(realm, projection.name, checkpoint, page.checkpoint);
    return { events: page.events.length, written, advanced };
  };
  return {
    runOnce,
    async drain() {
      let total = 0;
      for (;;) {
        const step = await runOnce();
        if (step.events === 0) return total;
        total += step.events;
      }
    },
  };
}

interface DocumentState {
  version: number;
  data: ViewData | null | undefined;
  changed: boolean;
}

/**
 * Applies a page of events to a view: reads each touched document once, folds its events in
 * order (skipping those its version already covers), and writes each changed document once.
 * Returns how many documents landed.
 */
export async function applyEvents(
  projection: Projection<ViewData>,
  events: readonly StoredEvent[],
  views: ViewStore,
  realm: string,
  slot: ViewSlot,
  history?: AggregateHistory,
): Promise<number> {
  const relevant = events.filter((event) => projection.handles(event) || (history !== undefined && isErasureFor(projection, event)));
  if (relevant.length === 0) return 0;
  const ids = [...new Set(relevant.map((event) => event.aggregateId))];
  const stored = await views.read(realm, projection.view, ids, slot);
  const documents = new Map<string, DocumentState>();
  for (const id of ids) {
    const record = stored.get(id);
    documents.set(id, { version: record?.version ?? 0, data: record?.data, changed: false });
  }
  for (const event of relevant) {
    const document = documents.get(event.aggregateId) as DocumentState;
    if (event.sequence <= document.version) continue;
    if (event.type === erasureEventType) {
      await refold(projection, document, event, history as AggregateHistory);
      continue;
    }
    const next = projection.apply(event, document.data ?? undefined);
    if (next === undefined) continue;
    Object.assign(document, { version: event.sequence, data: next, changed: true });
  }
  const writes: ViewWrite[] = [];
  for (const [id, document] of documents) {
    if (document.changed) writes.push({ id, version: document.version, data: document.data ?? null });
  }
  if (writes.length === 0) return 0;
  return (await views.write(realm, projection.view, writes, slot)).length;
}

/** The record `edd forget` appends: it touches every document of its aggregate in the service's projections. */
export function isErasureFor(projection: Projection<ViewData>, event: StoredEvent): boolean {
  return event.type === erasureEventType && event.service === projection.service;
}

/**
 * An erasure makes a document what its aggregate's events now say, personal fields erased: it is
 * folded again from the history before the erasure and moves to the erasure's version.
 */
async function refold(projection: Projection<ViewData>, document: DocumentState, erasure: StoredEvent, history: AggregateHistory) {
  const ref = { realm: erasure.realm, service: erasure.service, aggregateId: erasure.aggregateId };
  const earlier = (await history.readAggregateEvents(ref, 0)).filter((event) => event.sequence < erasure.sequence);
  const folded = foldDocument(projection, earlier);
  if (folded === undefined) return;
  Object.assign(document, { version: erasure.sequence, data: folded.data, changed: true });
}

/** The record a projection holds for one aggregate after these events (its history from the first), as applyEvents builds it. */
export function foldDocument(
  projection: Projection<ViewData>,
  events: readonly StoredEvent[],
): { version: number; data: ViewData | null } | undefined {
  let record: { version: number; data: ViewData | null } | undefined;
  for (const event of events) {
    if (isErasureFor(projection, event)) {
      // Events already read with their personal data erased: the fold so far is the erased document.
      if (record !== undefined) record = { ...record, version: event.sequence };
      continue;
    }
    if (!projection.handles(event)) continue;
    const next = projection.apply(event, record?.data ?? undefined);
    if (next === undefined) continue;
    record = { version: event.sequence, data: next };
  }
  return record;
}

const historyOf = (store: Partial<AggregateHistory>): AggregateHistory | undefined =>
  store.readAggregateEvents === undefined ? undefined : (store as AggregateHistory);
