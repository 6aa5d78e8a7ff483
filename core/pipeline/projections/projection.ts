import type { StoredEvent } from "../../model/events.js";
import type { Projection } from "../../model/projection.js";
import type { CheckpointStore } from "../../ports/checkpoints.js";
import type { Metrics } from "../../ports/metrics.js";
import type { EventFeed } from "../../ports/store.js";
import type { ViewData, ViewSlot, ViewStore } from "../../ports/view-store.js";
import type { AggregateHistory } from "./document-fold.js";
import { ViewBuffer } from "./view-buffer.js";

export { type AggregateHistory, foldDocument, isErasureFor } from "./document-fold.js";

export interface ProjectorOptions {
  /** With readAggregateEvents, documents are re-folded when `edd forget` erases their aggregate's personal data. */
  readonly store: EventFeed & Partial<AggregateHistory>;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly projection: Projection<ViewData>;
  readonly realm: string;
  /** Events read per step (default 500). */
  readonly batchSize?: number;
  /** Reports `edd.projection.lag`, the age of each page's newest event when it is projected. */
  readonly metrics?: Metrics;
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
    const newest = Date.parse(page.events.at(-1)?.time ?? "");
    if (Number.isFinite(newest))
      options.metrics?.record("edd.projection.lag", Math.max(0, Date.now() - newest), { "edd.projection": projection.name });
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

/**
 * Applies a page of events to a view: reads each touched document once, folds its events in
 * order (skipping those its version already covers), and writes each changed document once.
 * With the aggregates' history, an erasure re-folds its document. Returns how many documents landed.
 */
export async function applyEvents(
  projection: Projection<ViewData>,
  events: readonly StoredEvent[],
  views: ViewStore,
  realm: string,
  slot: ViewSlot,
  history?: AggregateHistory,
): Promise<number> {
  const buffer = new ViewBuffer(projection, views, realm, slot, history);
  await buffer.fold(events);
  return buffer.flush();
}

export const historyOf = (store: Partial<AggregateHistory>): AggregateHistory | undefined =>
  store.readAggregateEvents === undefined ? undefined : (store as AggregateHistory);
