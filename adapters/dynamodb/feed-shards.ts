import type { StoredEvent } from "../../core/model/events.js";
import { attr, bucketOf, type DynamoTable, type Item, type Key, padded, queryAll, read } from "./client.js";

/**
 * A realm's feed is split over a fixed number of shards, each a log of entries numbered 1, 2, 3…
 * without gaps. Every event of an aggregate goes to the aggregate's shard, so one shard holds an
 * aggregate's whole history in order. A commit appends one entry to each shard it touches, in
 * its own transaction, on two conditions: entry n (the tail it read) exists and n + 1 does not.
 * So entries are dense, and a reader that finds n + 2 without n + 1 knows n + 1 is still on its
 * way rather than missing. Entries point at events; the events live in their aggregate's partition.
 */
export const maxFeedShards = 64;
/** Positions leave room for this many events per unit (a transaction holds at most 100 items). */
const eventsPerUnit = 128n;
const indexWidth = 12;

/** One aggregate's consecutive events in an entry: sequences and positions both run from their first value. */
export type Run = readonly [service: string, aggregateId: string, firstSequence: number, count: number, firstPosition: string];

export interface ShardTail {
  /** The last entry's number, 0 for an empty shard. */
  readonly index: number;
  /** The last position in that entry, 0 for an empty shard. */
  readonly position: bigint;
}

export const emptyTail: ShardTail = { index: 0, position: 0n };

export function shardOf(shards: number, service: string, aggregateId: string): number {
  return bucketOf(shards, service, aggregateId);
}

export function entryKey(table: DynamoTable, realm: string, shard: number, index: number): Key {
  return { pk: table.pk("feed", realm, shard), sk: attr.s(padded(index, indexWidth)) };
}

export function entryItem(table: DynamoTable, realm: string, shard: number, index: number, events: readonly StoredEvent[]): Item {
  const runs: Run[] = [];
  for (const event of events) {
    const last = runs.at(-1);
    const position = event.position as string;
    if (
      last !== undefined &&
      last[0] === event.service &&
      last[1] === event.aggregateId &&
      last[2] + last[3] === event.sequence &&
      BigInt(last[4]) + BigInt(last[3]) === BigInt(position)
    ) {
      runs[runs.length - 1] = [last[0], last[1], last[2], last[3] + 1, last[4]];
    } else {
      runs.push([event.service, event.aggregateId, event.sequence, 1, position]);
    }
  }
  return { ...entryKey(table, realm, shard, index), runs: attr.json(runs), last: attr.s((events.at(-1)?.position as string) ?? "0") };
}

export interface Entry {
  readonly index: number;
  readonly runs: readonly Run[];
  readonly last: bigint;
}

export function toEntry(item: Item): Entry {
  return { index: Number(read.s(item, "sk")), runs: read.json<Run[]>(item, "runs"), last: BigInt(read.s(item, "last")) };
}

/** The newest entry of a shard, read strongly consistent. */
export async function readTail(table: DynamoTable, realm: string, shard: number): Promise<ShardTail> {
  for await (const item of queryAll(table, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": table.pk("feed", realm, shard) },
    ScanIndexForward: false,
    Limit: 1,
  })) {
    const entry = toEntry(item);
    return { index: entry.index, position: entry.last };
  }
  return emptyTail;
}

/**
 * The first position of a unit: above every position already in the shards it appends to (so
 * each shard, and each aggregate, reads in position order) and otherwise the clock in
 * milliseconds, so positions roughly follow time. The unit's first shard is part of it, which
 * keeps positions unique: two units with the same tick either differ in that shard or append to
 * the same one, and then the later one's tick is higher.
 */
export function firstPosition(nowMs: number, firstShard: number, above: bigint): bigint {
  const perTick = BigInt(maxFeedShards) * eventsPerUnit;
  const minimum = above / perTick + 1n;
  const tick = BigInt(Math.floor(nowMs)) > minimum ? BigInt(Math.floor(nowMs)) : minimum;
  return (tick * BigInt(maxFeedShards) + BigInt(firstShard)) * eventsPerUnit;
}

export const maxEventsPerUnit = Number(eventsPerUnit);

/**
 * The tails this process last saw, so a commit usually needs no read before its transaction. A
 * stale tail only costs a retry: the transaction's conditions on entries n and n + 1 catch it.
 */
export class KnownTails {
  readonly #tails = new Map<string, ShardTail>();

  constructor(
    private readonly table: DynamoTable,
    private readonly capacity = 10_000,
  ) {}

  async get(realm: string, shard: number): Promise<ShardTail> {
    const known = this.#tails.get(key(realm, shard));
    if (known !== undefined) return known;
    return this.refresh(realm, shard);
  }

  async refresh(realm: string, shard: number): Promise<ShardTail> {
    const tail = await readTail(this.table, realm, shard);
    this.remember(realm, shard, tail);
    return tail;
  }

  remember(realm: string, shard: number, tail: ShardTail): void {
    const k = key(realm, shard);
    const known = this.#tails.get(k);
    if (known !== undefined && known.index > tail.index) return;
    this.#tails.delete(k);
    this.#tails.set(k, tail);
    if (this.#tails.size > this.capacity) {
      const oldest = this.#tails.keys().next().value;
      if (oldest !== undefined) this.#tails.delete(oldest);
    }
  }
}

const key = (realm: string, shard: number) => `${realm}\u0000${shard}`;
