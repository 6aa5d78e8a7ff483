import type { StoredEvent } from "../../model/events.js";
import type { Projection } from "../../model/projection.js";
import type { ViewData, ViewSlot, ViewStore, ViewWrite } from "../../ports/view-store.js";
import { erasureEventType } from "../../privacy/erasure.js";
import { type AggregateHistory, isErasureFor, refoldBefore } from "./document-fold.js";

interface BufferedDocument {
  version: number;
  data: ViewData | null | undefined;
  dirty: boolean;
}

/** Documents per write statement: large enough to amortise a round trip, small enough for one request body. */
const writeChunk = 5000;

/**
 * Folds events into an in-memory copy of the documents they touch and writes each changed
 * document once per flush, however many events it took in between. Each document is read from
 * the view at most once while it stays buffered. Events a document's version already covers are
 * skipped, so folding a page again after a crash (the caller moves its checkpoint only after a
 * flush) neither skips nor double-applies anything. Given the aggregates' history, an erasure
 * (`edd forget`) re-folds its document from the events before it.
 */
export class ViewBuffer {
  readonly #documents = new Map<string, BufferedDocument>();
  #dirty = 0;

  constructor(
    private readonly projection: Projection<ViewData>,
    private readonly views: ViewStore,
    private readonly realm: string,
    private readonly slot: ViewSlot,
    private readonly history?: AggregateHistory,
  ) {}

  /** Documents held, changed or not. */
  get size(): number {
    return this.#documents.size;
  }

  /** Documents changed since the last flush. */
  get dirty(): number {
    return this.#dirty;
  }

  async fold(events: readonly StoredEvent[]): Promise<void> {
    const history = this.history;
    const relevant = events.filter(
      (event) => this.projection.handles(event) || (history !== undefined && isErasureFor(this.projection, event)),
    );
    if (relevant.length === 0) return;
    const missing = [...new Set(relevant.map((event) => event.aggregateId))].filter((id) => !this.#documents.has(id));
    if (missing.length > 0) {
      const stored = await this.views.read(this.realm, this.projection.view, missing, this.slot);
      for (const id of missing) {
        const record = stored.get(id);
        this.#documents.set(id, { version: record?.version ?? 0, data: record?.data, dirty: false });
      }
    }
    for (const event of relevant) {
      const document = this.#documents.get(event.aggregateId) as BufferedDocument;
      if (event.sequence <= document.version) continue;
      const next =
        event.type === erasureEventType
          ? await refoldBefore(this.projection, event, history as AggregateHistory)
          : { version: event.sequence, data: this.projection.apply(event, document.data ?? undefined) };
      if (next === undefined || next.data === undefined) continue;
      if (!document.dirty) this.#dirty++;
      Object.assign(document, { version: next.version, data: next.data, dirty: true });
    }
  }

  /** Writes every changed document (in chunks of one statement each); returns how many landed. */
  async flush(): Promise<number> {
    const writes: ViewWrite[] = [];
    for (const [id, document] of this.#documents) {
      if (document.dirty) writes.push({ id, version: document.version, data: document.data ?? null });
    }
    let landed = 0;
    for (let from = 0; from < writes.length; from += writeChunk) {
      landed += (await this.views.write(this.realm, this.projection.view, writes.slice(from, from + writeChunk), this.slot)).length;
    }
    for (const document of this.#documents.values()) document.dirty = false;
    this.#dirty = 0;
    return landed;
  }

  /** Forgets every document; call only after a flush (or to drop unflushed work on purpose). */
  clear(): void {
    this.#documents.clear();
    this.#dirty = 0;
  }
}
