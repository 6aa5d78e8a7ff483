import type { StoredEvent } from "../../core/model/events.js";
import type { Service } from "../../core/model/service.js";
import { readEvent } from "../../core/model/event-read.js";
import { evolveRead } from "../../core/pipeline/dispatch/aggregate.js";
import { type NumericSeries, SeriesCollector } from "./numeric-series.js";
import type { ChainVerifier } from "./options.js";
import { diffStates, type StateField } from "./state-diff.js";

/** Whether an event's hash follows from its predecessors. */
export type ChainMark = "holds" | "broken" | "after-break" | "not-recorded" | "not-checked";

export interface ChainSummary {
  readonly status: "holds" | "broken" | "not-recorded" | "not-checked";
  readonly brokenAt?: number;
  readonly reason?: string;
}

export interface TimelineEntry {
  /** The event as the service reads it now (renamed, upcast), or as stored when it cannot be read. */
  readonly event: StoredEvent;
  /** The type and schema version it was stored with, when reading changed them. */
  readonly storedAs?: { readonly type: string; readonly schemaVersion: number };
  readonly chain: ChainMark;
  /** The state after this event with every field marked by how it changed; absent when it could not be folded. */
  readonly state?: readonly StateField[];
  readonly foldError?: string;
}

/** The sequences one page of a timeline shows, both included. */
export interface TimelineWindow {
  readonly from: number;
  readonly to: number;
}

export interface Timeline {
  /** The events of the window only, each with the state after it. */
  readonly entries: readonly TimelineEntry[];
  readonly chain: ChainSummary;
  /** The aggregate's version: the sequence of its last event. */
  readonly version: number;
  /** Numeric state fields over every version, folded until the first event that failed to fold. */
  readonly series: readonly NumericSeries[];
}

/**
 * Replays an aggregate event by event, read (upcast) and folded with the service's own definitions,
 * as the engine does.
 * Every event is folded (the chart and the state of a later page need them), but only events in
 * `window` get a field-by-field diff, the part that grows with what a page shows.
 */
export function buildTimeline(
  service: Service,
  events: readonly StoredEvent[],
  verify: ChainVerifier | undefined,
  window: TimelineWindow = { from: 1, to: Number.MAX_SAFE_INTEGER },
): Timeline {
  const chain = checkChain(events, verify);
  const collector = new SeriesCollector();
  let state: unknown = service.initialState();
  let foldError: string | undefined;
  const entries: TimelineEntry[] = [];
  for (const event of events) {
    const shown = event.sequence >= window.from && event.sequence <= window.to;
    const mark = chainMark(chain, event.sequence);
    if (foldError !== undefined) {
      if (shown) entries.push({ event, chain: mark, foldError: "Not folded: an earlier event failed to fold." });
      continue;
    }
    try {
      const read = readEvent(service, event);
      const next = evolveRead(service, state, [read]);
      if (shown) entries.push({ event: read, chain: mark, state: diffStates(state, next), ...storedAs(event, read) });
      collector.add(event.sequence, next);
      state = next;
    } catch (error) {
      foldError = error instanceof Error ? error.message : String(error);
      if (shown) entries.push({ event, chain: mark, foldError });
    }
  }
  return { entries, chain, version: events.at(-1)?.sequence ?? 0, series: collector.series() };
}

/** What an event was stored as, when reading renamed or upcast it. */
function storedAs(stored: StoredEvent, read: StoredEvent): Pick<TimelineEntry, "storedAs"> {
  const schemaVersion = stored.schemaVersion ?? 1;
  if (stored.type === read.type && schemaVersion === (read.schemaVersion ?? 1)) return {};
  return { storedAs: { type: stored.type, schemaVersion } };
}

/** The page of `size` events holding sequence `at` (pages start at 1, size + 1, …); the last page by default. */
export function windowAround(at: number | undefined, version: number, size: number): TimelineWindow {
  const target = Math.min(Math.max(at ?? version, 1), Math.max(version, 1));
  const from = Math.floor((target - 1) / size) * size + 1;
  return { from, to: from + size - 1 };
}

function checkChain(events: readonly StoredEvent[], verify: ChainVerifier | undefined): ChainSummary {
  if (events.length > 0 && events.some((event) => event.hash === undefined)) return { status: "not-recorded" };
  if (verify === undefined) return { status: "not-checked" };
  const broken = verify(events);
  return broken === undefined ? { status: "holds" } : { status: "broken", brokenAt: broken.sequence, reason: broken.reason };
}

function chainMark(chain: ChainSummary, sequence: number): ChainMark {
  if (chain.status !== "broken") return chain.status;
  const at = chain.brokenAt ?? 0;
  return sequence < at ? "holds" : sequence === at ? "broken" : "after-break";
}
