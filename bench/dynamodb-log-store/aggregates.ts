import { GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../core/model/events.js";
import type { AggregateRef, AggregateState, Snapshot } from "../../core/ports/store.js";
import { attr, type DynamoTable, type Item, padded, read } from "../../adapters/dynamodb/client.js";

/**
 * An aggregate's events live in chunks, one item per log entry that touched it, keyed by the
 * aggregate and the chunk's first sequence. A chunk carries the snapshot after its last event when
 * the writer knew it. Chunks are derived from the realm log (log.ts) and rewritten identically if
 * an entry is applied twice.
 */
export interface Chunk {
  readonly events: readonly StoredEvent[];
  readonly snapshot?: Snapshot;
}

export interface AggregateHead {
  readonly version: number;
  readonly hash: string | null;
}

export function chunkKey(table: DynamoTable, ref: AggregateRef, firstSequence: number): Item {
  return { pk: table.pk("agg", ref.realm, ref.service, ref.aggregateId), sk: attr.s(padded(firstSequence, 10)) };
}

export async function putChunk(table: DynamoTable, ref: AggregateRef, chunk: Chunk): Promise<void> {
  const first = chunk.events[0];
  if (first === undefined) return;
  const item: Item = {
    ...chunkKey(table, ref, first.sequence),
    last: attr.n((chunk.events.at(-1) as StoredEvent).sequence),
    events: attr.json(chunk.events),
  };
  if (chunk.snapshot !== undefined) item.snapshot = attr.json(chunk.snapshot);
  await table.client.send(new PutItemCommand({ TableName: table.name, Item: item }));
}

async function* chunks(table: DynamoTable, ref: AggregateRef, newestFirst: boolean): AsyncGenerator<Chunk> {
  let start: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": table.pk("agg", ref.realm, ref.service, ref.aggregateId) },
        ScanIndexForward: !newestFirst,
        ConsistentRead: true,
        ...(newestFirst ? { Limit: 4 } : {}),
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of page.Items ?? []) yield toChunk(item);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

function toChunk(item: Item): Chunk {
  const events = read.json<StoredEvent[]>(item, "events");
  const snapshot = read.optionalS(item, "snapshot");
  return snapshot === undefined ? { events } : { events, snapshot: JSON.parse(snapshot) as Snapshot };
}

/** The version and last hash: the newest chunk's last event. */
export async function aggregateHead(table: DynamoTable, ref: AggregateRef): Promise<AggregateHead> {
  for await (const chunk of chunks(table, ref, true)) {
    const last = chunk.events.at(-1) as StoredEvent;
    return { version: last.sequence, hash: last.hash ?? null };
  }
  return { version: 0, hash: null };
}

export async function latestSnapshot(table: DynamoTable, ref: AggregateRef): Promise<Snapshot | undefined> {
  for await (const chunk of chunks(table, ref, true)) if (chunk.snapshot !== undefined) return chunk.snapshot;
  return undefined;
}

/** The newest snapshot and the events after it, reading chunks newest first until one has a snapshot. */
export async function latestState(table: DynamoTable, ref: AggregateRef): Promise<AggregateState> {
  const newer: StoredEvent[][] = [];
  for await (const chunk of chunks(table, ref, true)) {
    if (chunk.snapshot !== undefined) {
      const version = chunk.snapshot.version;
      const tail = [chunk.events, ...newer.reverse()].flat().filter((e) => e.sequence > version);
      return { snapshot: chunk.snapshot, tail };
    }
    newer.push([...chunk.events]);
  }
  return { tail: newer.reverse().flat() };
}

export async function aggregateEvents(table: DynamoTable, ref: AggregateRef, afterSequence: number): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const chunk of chunks(table, ref, false)) events.push(...chunk.events.filter((e) => e.sequence > afterSequence));
  return events;
}

export function identityKey(table: DynamoTable, realm: string, service: string, name: string): Item {
  return { pk: table.pk("ids", realm), sk: attr.s(JSON.stringify([service, name])) };
}

export async function identityOwner(table: DynamoTable, realm: string, service: string, name: string): Promise<string | undefined> {
  const { Item } = await table.client.send(
    new GetItemCommand({ TableName: table.name, Key: identityKey(table, realm, service, name), ConsistentRead: true }),
  );
  return Item === undefined ? undefined : read.s(Item, "aggregateId");
}

export function responseKey(table: DynamoTable, realm: string, idempotencyKey: string): Item {
  return { pk: table.pk("res", realm, idempotencyKey), sk: attr.s("-") };
}
