import { dynamodb } from "./sdk.js";
import type { StoredEvent } from "../../core/model/events.js";
import type { AggregateRef, AggregateState, Snapshot } from "../../core/ports/store.js";
import { attr, batchGet, type DynamoTable, type Item, type Key, keyTextOf, padded, queryAll, read } from "./client.js";

const { GetItemCommand } = dynamodb;

/**
 * One aggregate is one partition: an item per event (sort key: the zero-padded sequence) and a
 * head item (sort key "head", after every sequence) holding the version, the last event's hash
 * and position, and the snapshot. Each commit writes the head under the condition that its
 * version is still the one the command saw: that condition is the aggregate's optimistic lock.
 */
export interface Head {
  readonly version: number;
  readonly hash: string | null;
  /** Position of the aggregate's last event ("0" before any). */
  readonly position: string;
  readonly snapshot?: Snapshot;
}

const sequenceWidth = 10;
const headSortKey = "head";

export const aggregatePk = (table: DynamoTable, ref: AggregateRef) => table.pk("agg", ref.realm, ref.service, ref.aggregateId);

export function headKey(table: DynamoTable, ref: AggregateRef): Key {
  return { pk: aggregatePk(table, ref), sk: attr.s(headSortKey) };
}

export function eventKey(table: DynamoTable, ref: AggregateRef, sequence: number): Key {
  return { pk: aggregatePk(table, ref), sk: attr.s(padded(sequence, sequenceWidth)) };
}

export function headItem(table: DynamoTable, ref: AggregateRef, head: Head): Item {
  const item: Item = { ...headKey(table, ref), version: attr.n(head.version), position: attr.s(head.position) };
  if (head.hash !== null) item.hash = attr.s(head.hash);
  if (head.snapshot !== undefined) item.snapshot = attr.json(head.snapshot);
  return item;
}

export function eventItem(table: DynamoTable, event: StoredEvent): Item {
  return { ...eventKey(table, event, event.sequence), event: attr.json(event) };
}

export const toEvent = (item: Item): StoredEvent => read.json<StoredEvent>(item, "event");

export async function readHead(table: DynamoTable, ref: AggregateRef): Promise<Head | undefined> {
  const { Item } = await table.client.send(new GetItemCommand({ TableName: table.name, Key: headKey(table, ref), ConsistentRead: true }));
  return Item === undefined ? undefined : toHead(Item);
}

/** Many aggregates' heads, in `refs` order, 100 per request: what an import checks before it writes. */
export async function readHeads(table: DynamoTable, refs: readonly AggregateRef[]): Promise<(Head | undefined)[]> {
  const keys = refs.map((ref) => headKey(table, ref));
  const found = await batchGet(table, keys);
  return keys.map((key) => {
    const item = found.get(keyTextOf(key));
    return item === undefined ? undefined : toHead(item);
  });
}

function toHead(Item: Item): Head {
  const snapshot = read.optionalS(Item, "snapshot");
  return {
    version: read.n(Item, "version"),
    hash: read.optionalS(Item, "hash") ?? null,
    position: read.s(Item, "position"),
    ...(snapshot === undefined ? {} : { snapshot: JSON.parse(snapshot) as Snapshot }),
  };
}

/** The snapshot and the events after it; the snapshot is the head's version, so the tail is normally empty. */
export async function latestState(table: DynamoTable, ref: AggregateRef): Promise<{ state: AggregateState; head?: Head }> {
  const head = await readHead(table, ref);
  if (head === undefined) return { state: { tail: [] } };
  const after = head.snapshot?.version ?? 0;
  const tail = after < head.version ? await aggregateEvents(table, ref, after) : [];
  return { state: head.snapshot === undefined ? { tail } : { snapshot: head.snapshot, tail }, head };
}

export async function aggregateEvents(table: DynamoTable, ref: AggregateRef, afterSequence: number): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  const items = queryAll(table, {
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: {
      ":pk": aggregatePk(table, ref),
      ":from": attr.s(padded(afterSequence + 1, sequenceWidth)),
      ":to": attr.s("9".repeat(sequenceWidth)),
    },
  });
  for await (const item of items) events.push(toEvent(item));
  return events;
}
