import type { Projection } from "../../model/projection.js";
import type { EventFeed } from "../../ports/store.js";
import type { ViewData } from "../../ports/view-store.js";
import { historyOf, type ProjectorOptions } from "./projection.js";
import { ViewBuffer } from "./view-buffer.js";

const defaultFlushEvery = 250_000;
const defaultMaxDocuments = 100_000;

export interface RebuildProgress {
  /** Feed events replayed so far, including those of an interrupted earlier run. */
  readonly done: number;
  /** Events in the realm when this run started; undefined when not counted. */
  readonly total: number | undefined;
  /** Events per second in this run. */
  readonly rate: number;
  /** Estimated seconds to the end; undefined until there is a rate and a total. */
  readonly secondsLeft: number | undefined;
}

/** What a projector takes (the store's feed, views, checkpoints, projection, realm, page size), and how to rebuild. */
export interface RebuildOptions extends Omit<ProjectorOptions, "metrics"> {
  /**
   * Events folded in memory before the changed documents are written and the rebuild's checkpoint
   * moves (default 250,000; at least one page). A document touched many times in that span is
   * written once; an interruption costs at most this many events read again.
   */
  readonly flushEvery?: number;
  /** Documents held in memory before a flush is forced and the buffer emptied (default 100,000). */
  readonly maxDocuments?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /**
   * Counts the realm's events for progress. Without it the feed is read once more just to count;
   * pass `async () => undefined` to skip counting, or a cheap count (e.g. SQL) when the store has one.
   */
  readonly countEvents?: (realm: string) => Promise<number | undefined>;
  /** Stops between pages; the shadow and its checkpoint stay, so the next run resumes. */
  readonly signal?: AbortSignal;
  /** Milliseconds clock, replaceable in tests. */
  readonly now?: () => number;
}

export interface RebuildResult {
  readonly events: number;
  /** True when this run continued an interrupted one instead of starting over. */
  readonly resumed: boolean;
}

/** What survives an interruption, stored as JSON under the rebuild's own checkpoint name. */
interface RebuildState {
  readonly phase: "filling" | "swapping";
  readonly checkpoint?: string;
  readonly done: number;
}

export function rebuildCheckpointName(projection: Projection<ViewData>): string {
  return `${projection.name}#rebuild`;
}

/**
 * Replays a realm's whole history into a shadow generation of the projection's view, then swaps
 * it in and hands its feed position to the live projection. Safe to interrupt at any point: a new
 * run finds the shadow and its checkpoint and carries on. Stop the live projectors of this
 * projection for the swap: one still running old code could write into the new generation.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { store, views, checkpoints, projection, realm } = options;
  const batchSize = options.batchSize ?? 500;
  const now = options.now ?? Date.now;
  const stateName = rebuildCheckpointName(projection);
  const save = (next: RebuildState) => checkpoints.put(realm, stateName, JSON.stringify(next));

  let state = parseState(await checkpoints.load(realm, stateName));
  const resumed = state !== undefined && (state.phase === "swapping" || (await views.hasShadow(realm, projection.view)));
  if (state === undefined || !resumed) {
    await views.createShadow(realm, projection.view);
    state = { phase: "filling", done: 0 };
    await save(state);
  }

  if (state.phase === "filling") {
    const total = await (options.countEvents ?? ((r) => countFeed(store, r, batchSize)))(realm);
    const flushEvery = Math.max(batchSize, options.flushEvery ?? defaultFlushEvery);
    const maxDocuments = options.maxDocuments ?? defaultMaxDocuments;
    const buffer = new ViewBuffer(projection, views, realm, "shadow", historyOf(store));
    const started = now();
    const doneBefore = state.done;
    // Read ahead of what is saved: `state` moves only after the buffer has landed in the shadow.
    let read: RebuildState = state;
    const flush = async () => {
      if (read === state) return;
      await buffer.flush();
      state = read;
      await save(state);
      if (buffer.size >= maxDocuments) buffer.clear();
    };
    for (;;) {
      if (options.signal?.aborted) {
        await flush();
        options.signal.throwIfAborted();
      }
      const page = await store.readFeed(realm, read.checkpoint, batchSize);
      if (page.events.length === 0) break;
      await buffer.fold(page.events);
      read = { phase: "filling", checkpoint: page.checkpoint, done: read.done + page.events.length };
      if (read.done - state.done >= flushEvery || buffer.size >= maxDocuments) await flush();
      options.onProgress?.(progressOf(read.done, read.done - doneBefore, total, now() - started));
    }
    await flush();
    state = { ...state, phase: "swapping" };
    await save(state);
  }

  if (await views.hasShadow(realm, projection.view)) await views.swapShadow(realm, projection.view);
  // The live projection goes on from where the rebuild stopped; nothing before it is missing.
  if (state.checkpoint === undefined) await checkpoints.remove(realm, projection.name);
  else await checkpoints.put(realm, projection.name, state.checkpoint);
  await checkpoints.remove(realm, stateName);
  return { events: state.done, resumed };
}

function progressOf(done: number, doneThisRun: number, total: number | undefined, elapsedMs: number): RebuildProgress {
  const rate = elapsedMs > 0 ? (doneThisRun * 1000) / elapsedMs : 0;
  const secondsLeft = total === undefined || rate === 0 ? undefined : Math.max(0, total - done) / rate;
  return { done, total, rate, secondsLeft };
}

/** Counts the realm's events by reading the feed: correct everywhere, but a full extra read. */
export async function countFeed(store: EventFeed, realm: string, batchSize = 1000): Promise<number> {
  let count = 0;
  let checkpoint: string | undefined;
  for (;;) {
    const page = await store.readFeed(realm, checkpoint, batchSize);
    if (page.events.length === 0) return count;
    count += page.events.length;
    checkpoint = page.checkpoint;
  }
}

function parseState(value: string | undefined): RebuildState | undefined {
  if (value === undefined) return undefined;
  const parsed = JSON.parse(value) as RebuildState;
  return parsed.phase === "filling" || parsed.phase === "swapping" ? parsed : undefined;
}
