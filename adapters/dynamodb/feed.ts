import type { StoredEvent } from "../../core/model/events.js";
import type { EventFeedPage } from "../../core/ports/store.js";
import { eventKey, toEvent } from "./aggregates.js";
import { attr, batchGet, type DynamoTable, keyTextOf, padded, queryAll } from "./client.js";
import { toEntry } from "./feed-shards.js";

/**
 * Reads a realm's feed: every shard from its own cursor, merged by position. Shards are dense, so
 * each reader stops at the first entry number it cannot see yet; a later one is never taken
 * before it. An event is known by its position in the entry; the events themselves are read from
 * their aggregates. The checkpoint holds one cursor per shard: "n" (entries up to n read) or "n.k"
 * (and k events of entry n + 1), joined by commas.
 */
export async function readFeed(
  table: DynamoTable,
  realm: string,
  shards: number,
  checkpoint: string | undefined,
  limit: number,
): Promise<EventFeedPage> {
  const cursors = parseCheckpoint(checkpoint, shards);
  const readers = cursors.map((cursor, shard) => new ShardReader(table, realm, shard, cursor, Math.min(Math.max(limit, 1), 100)));
  const selected: Pointer[] = [];
  await Promise.all(readers.map((reader) => reader.peek()));
  while (selected.length < limit) {
    let best: ShardReader | undefined;
    for (const reader of readers) {
      const next = await reader.peek();
      if (next !== undefined && (best === undefined || next.position < (best.head as Pointer).position)) best = reader;
    }
    if (best === undefined) break;
    selected.push(best.take());
  }
  const events = await readEvents(table, realm, selected);
  const next = [...cursors];
  for (const pointer of selected.slice(0, events.length)) {
    next[pointer.shard] =
      pointer.offset + 1 === pointer.entrySize
        ? { entry: pointer.entry, offset: 0 }
        : { entry: pointer.entry - 1, offset: pointer.offset + 1 };
  }
  return { events, checkpoint: encodeCheckpoint(next) };
}

interface Cursor {
  /** Entries up to this number are read… */
  readonly entry: number;
  /** …and this many events of the next one. */
  readonly offset: number;
}

/** One event of an entry, in the entry's position order. */
interface Pointer {
  readonly shard: number;
  readonly entry: number;
  readonly offset: number;
  readonly entrySize: number;
  readonly position: bigint;
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
}

class ShardReader {
  readonly #pending: Pointer[] = [];
  #nextEntry: number;
  #skip: number;
  #exhausted = false;

  constructor(
    private readonly table: DynamoTable,
    private readonly realm: string,
    private readonly shard: number,
    cursor: Cursor,
    private readonly pageSize: number,
  ) {
    this.#nextEntry = cursor.entry + 1;
    this.#skip = cursor.offset;
  }

  get head(): Pointer | undefined {
    return this.#pending[0];
  }

  async peek(): Promise<Pointer | undefined> {
    while (this.#pending.length === 0 && !this.#exhausted) await this.#fetch();
    return this.#pending[0];
  }

  take(): Pointer {
    return this.#pending.shift() as Pointer;
  }

  async #fetch(): Promise<void> {
    let seen = 0;
    const items = queryAll(this.table, {
      KeyConditionExpression: "pk = :pk AND sk > :after",
      ExpressionAttributeValues: {
        ":pk": this.table.pk("feed", this.realm, this.shard),
        ":after": attr.s(padded(this.#nextEntry - 1, 12)),
      },
      Limit: this.pageSize,
    });
    for await (const item of items) {
      const entry = toEntry(item);
      // A gap: the entry before this one is committing but not visible yet. Stop; it comes next time.
      if (entry.index !== this.#nextEntry) break;
      this.#pending.push(...this.#pointers(entry.index, entry.runs).slice(this.#skip));
      this.#skip = 0;
      this.#nextEntry += 1;
      if (++seen >= this.pageSize) return;
    }
    this.#exhausted = true;
  }

  #pointers(entry: number, runs: ReturnType<typeof toEntry>["runs"]): Pointer[] {
    const events = runs.flatMap(([service, aggregateId, firstSequence, count, firstPosition]) =>
      Array.from({ length: count }, (_, i) => ({
        service,
        aggregateId,
        sequence: firstSequence + i,
        position: BigInt(firstPosition) + BigInt(i),
      })),
    );
    events.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    return events.map((event, offset) => ({ ...event, shard: this.shard, entry, offset, entrySize: events.length }));
  }
}

/** How long a reader waits for the first event of a page whose entry it already sees (a transaction's items become visible one by one). */
const visibilityDeadlineMs = 5_000;

/**
 * Reads the events a page points at. A transaction's items become visible one at a time, so an
 * entry can be seen an instant before its events: the page then ends before the first missing
 * event. If that is the page's first event, wait for it; still missing after the deadline means
 * it was deleted behind the store's back, and the reader says so rather than stall in silence.
 */
async function readEvents(table: DynamoTable, realm: string, pointers: readonly Pointer[]): Promise<StoredEvent[]> {
  const deadline = Date.now() + visibilityDeadlineMs;
  for (;;) {
    const found = await batchGet(
      table,
      pointers.map((p) => eventKey(table, { realm, service: p.service, aggregateId: p.aggregateId }, p.sequence)),
    );
    const events: StoredEvent[] = [];
    for (const pointer of pointers) {
      const item = found.get(keyText(table, realm, pointer));
      if (item === undefined) break;
      events.push(toEvent(item));
    }
    if (events.length > 0 || pointers.length === 0) return events;
    const missing = pointers[0] as Pointer;
    if (Date.now() > deadline) {
      throw new Error(
        `feed of realm ${realm}: shard ${missing.shard} entry ${missing.entry} points at ${missing.service}/${missing.aggregateId} sequence ${missing.sequence}, which is not in the table`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function keyText(table: DynamoTable, realm: string, pointer: Pointer): string {
  const key = eventKey(table, { realm, service: pointer.service, aggregateId: pointer.aggregateId }, pointer.sequence);
  return keyTextOf(key);
}

function parseCheckpoint(checkpoint: string | undefined, shards: number): Cursor[] {
  if (checkpoint === undefined || checkpoint === "") return Array.from({ length: shards }, () => ({ entry: 0, offset: 0 }));
  const parts = checkpoint.split(",");
  const cursors = parts.map((part) => /^(\d{1,12})(?:\.(\d{1,3}))?$/.exec(part));
  if (parts.length !== shards || cursors.some((match) => match === null)) {
    throw new Error(`Invalid feed checkpoint "${checkpoint}": expected ${shards} comma-separated shard cursors ("n" or "n.k")`);
  }
  return cursors.map((match) => ({ entry: Number(match?.[1]), offset: Number(match?.[2] ?? 0) }));
}

function encodeCheckpoint(cursors: readonly Cursor[]): string {
  return cursors.map((c) => (c.offset === 0 ? `${c.entry}` : `${c.entry}.${c.offset}`)).join(",");
}
