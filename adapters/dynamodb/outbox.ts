import { randomUUID } from "node:crypto";
import { dynamodb } from "./sdk.js";
import type {
  CommandRequestBody,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterResolution,
  NewDeadLetter,
  OutboxEntry,
  OutboxItem,
} from "../../core/ports/store.js";
import {
  attr,
  bucketOf,
  type DynamoTable,
  type Item,
  isConditionFailure,
  type Key,
  padded,
  putFresh,
  queryAll,
  read,
  timeOrderedId,
} from "./client.js";
import { cancellationReasons, Transaction } from "./transaction.js";

const { DeleteItemCommand, GetItemCommand, UpdateItemCommand } = dynamodb;

/**
 * The outbox is shared by every realm of the store, as the Store port wants, and spread over a
 * fixed number of partitions by a hash of the target aggregate: one target's items share a
 * partition, sorted by id (creation time first), which is what delivering them in order needs.
 * Delivered items are deleted and dead ones moved to the dead letters, so the partitions hold only
 * what is still to deliver. Leases and due times are milliseconds of the relay's clock.
 */
export const outboxPartitions = 8;

let lastMs = 0;
let counter = 0;

/** Ids sort by creation time in a process (a counter breaks ties within a millisecond), then by a random part. */
export function nextStem(): string {
  const now = Date.now();
  counter = now === lastMs ? counter + 1 : 0;
  lastMs = now;
  return `${padded(now, 15)}.${padded(counter, 6)}:${randomUUID()}`;
}

export function outboxItems(table: DynamoTable, realm: string, effects: readonly OutboxEntry[]): Item[] {
  const stem = nextStem();
  return effects.map((effect, index) => outboxItem(table, realm, `${stem}:${padded(index, 4)}`, effect, 0));
}

/** An effect to deliver, in its target's partition; `id` (a stem and a number) orders it there. */
export function outboxItem(table: DynamoTable, realm: string, id: string, effect: OutboxEntry, attempts: number): Item {
  const partition = bucketOf(outboxPartitions, realm, effect.targetService, effect.aggregateId);
  return {
    pk: table.pk("outbox", partition),
    sk: attr.s(`${partition}:${id}`),
    realm: attr.s(realm),
    targetService: attr.s(effect.targetService),
    aggregateId: attr.s(effect.aggregateId),
    request: attr.json(effect.request),
    attempts: attr.n(attempts),
    dueAt: attr.n(0),
    leasedUntil: attr.n(0),
  };
}

function keyOf(table: DynamoTable, id: string): Key {
  return { pk: table.pk("outbox", Number(id.slice(0, id.indexOf(":")))), sk: attr.s(id) };
}

/** Sorts ids across partitions: by the part after the partition number. */
const stemOf = (id: string) => id.slice(id.indexOf(":") + 1);

/**
 * Reads every partition, takes each target's first item (held back while any item of that target
 * is leased), and leases the due ones in id order with a conditional update on the lease and due
 * time it read: of two relays racing for an item, one wins.
 */
export async function claimOutbox(table: DynamoTable, limit: number, leaseMs: number): Promise<OutboxItem[]> {
  const now = Date.now();
  const partitions = await Promise.all(
    Array.from({ length: outboxPartitions }, async (_, partition) => {
      const items: Item[] = [];
      for await (const item of queryAll(table, {
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": table.pk("outbox", partition) },
      }))
        items.push(item);
      return items;
    }),
  );
  const heads = new Map<string, Item>();
  const busy = new Set<string>();
  for (const item of partitions.flat()) {
    const target = JSON.stringify([read.s(item, "realm"), read.s(item, "targetService"), read.s(item, "aggregateId")]);
    if (read.n(item, "leasedUntil") > now) busy.add(target);
    if (!heads.has(target)) heads.set(target, item);
  }
  const due = [...heads]
    .filter(([target, item]) => !busy.has(target) && read.n(item, "dueAt") <= now)
    .map(([, item]) => item)
    .sort((a, b) => (stemOf(read.s(a, "sk")) < stemOf(read.s(b, "sk")) ? -1 : 1));
  const claimed: OutboxItem[] = [];
  for (const item of due) {
    if (claimed.length >= limit) break;
    const id = read.s(item, "sk");
    try {
      await table.client.send(
        new UpdateItemCommand({
          TableName: table.name,
          Key: keyOf(table, id),
          UpdateExpression: "SET leasedUntil = :lease",
          ConditionExpression: "leasedUntil = :seenLease AND dueAt = :seenDue",
          ExpressionAttributeValues: {
            ":lease": attr.n(now + leaseMs),
            ":seenLease": attr.n(read.n(item, "leasedUntil")),
            ":seenDue": attr.n(read.n(item, "dueAt")),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) continue;
      throw error;
    }
    claimed.push({
      id,
      realm: read.s(item, "realm"),
      targetService: read.s(item, "targetService"),
      aggregateId: read.s(item, "aggregateId"),
      request: read.json<CommandRequestBody>(item, "request"),
      attempts: read.n(item, "attempts"),
      ...enqueuedAtOf(id),
    });
  }
  return claimed;
}

/** Acting on an item that is gone does nothing, as in the other stores. */
async function ignoringMissing(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export const markDelivered = (table: DynamoTable, id: string) =>
  ignoringMissing(
    table.client.send(new DeleteItemCommand({ TableName: table.name, Key: keyOf(table, id), ConditionExpression: "attribute_exists(pk)" })),
  );

export const markFailed = (table: DynamoTable, id: string, error: string, retryInMs: number) =>
  ignoringMissing(
    table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: keyOf(table, id),
        UpdateExpression:
          "SET attempts = attempts + :one, lastError = :error, dueAt = :due, leasedUntil = :zero, firstFailedAt = if_not_exists(firstFailedAt, :now)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: {
          ":one": attr.n(1),
          ":zero": attr.n(0),
          ":error": attr.s(error),
          ":due": attr.n(Date.now() + retryInMs),
          ":now": attr.s(new Date().toISOString()),
        },
      }),
    ),
  );

/** Deletes the outbox item and writes its dead letter in one transaction. */
export async function deadLetterOutbox(table: DynamoTable, id: string, error: { code: string; message: string }): Promise<void> {
  const { Item } = await table.client.send(new GetItemCommand({ TableName: table.name, Key: keyOf(table, id), ConsistentRead: true }));
  if (Item === undefined) return;
  const now = new Date().toISOString();
  const move = new Transaction<"outbox" | "dead">(table);
  move.delete("outbox", keyOf(table, id), { expression: "attempts = :seen", values: { ":seen": attr.n(read.n(Item, "attempts")) } });
  move.put(
    "dead",
    deadLetterItem(table, timeOrderedId(), {
      realm: read.s(Item, "realm"),
      source: "outbox",
      message: read.json(Item, "request"),
      error,
      attempts: read.n(Item, "attempts") + 1,
      firstFailedAt: read.optionalS(Item, "firstFailedAt") ?? now,
      lastFailedAt: now,
    }),
    { expression: "attribute_not_exists(pk)" },
  );
  try {
    await move.send();
  } catch (cause) {
    const reasons = cancellationReasons(cause, move.roles);
    // Gone or failed again meanwhile: another relay acted on it; like the SQL store, do nothing.
    if (reasons?.some((r) => r.role === "outbox" && r.code === "ConditionalCheckFailed")) return;
    // The dead letter's id was taken in the same millisecond: draw another.
    if (reasons?.some((r) => r.role === "dead" && r.code === "ConditionalCheckFailed")) return deadLetterOutbox(table, id, error);
    throw cause;
  }
}

/**
 * Dead letters: few by nature, so one partition for the store. Ids are `timeOrderedId`s, written
 * on the condition that the id is free. An imported letter keeps its resolution.
 */
export function deadLetterItem(table: DynamoTable, id: string, letter: NewDeadLetter & Pick<DeadLetter, "resolution">): Item {
  const { resolution } = letter;
  return {
    pk: table.pk("dead"),
    sk: attr.s(id),
    realm: attr.s(letter.realm),
    source: attr.s(letter.source),
    message: attr.json(letter.message),
    errorCode: attr.s(letter.error.code),
    errorMessage: attr.s(letter.error.message),
    attempts: attr.n(letter.attempts),
    firstFailedAt: attr.s(letter.firstFailedAt),
    lastFailedAt: attr.s(letter.lastFailedAt),
    ...(resolution === undefined
      ? {}
      : { resolution: attr.s(resolution.outcome), resolvedBy: attr.s(resolution.operator), resolvedAt: attr.s(resolution.at) }),
  };
}

export async function addDeadLetter(table: DynamoTable, letter: NewDeadLetter): Promise<string> {
  return read.s(await putFresh(table, (id) => deadLetterItem(table, id, letter)), "sk");
}

export async function listDeadLetters(table: DynamoTable, realm?: string, filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": table.pk("dead") },
  })) {
    if (realm !== undefined && read.s(item, "realm") !== realm) continue;
    const resolution = item.resolution === undefined ? undefined : read.s(item, "resolution");
    if (resolution !== undefined && filter.includeResolved !== true) continue;
    letters.push({
      id: read.s(item, "sk"),
      realm: read.s(item, "realm"),
      source: read.s(item, "source"),
      message: read.json(item, "message"),
      error: { code: read.s(item, "errorCode"), message: read.s(item, "errorMessage") },
      attempts: read.n(item, "attempts"),
      firstFailedAt: read.s(item, "firstFailedAt"),
      lastFailedAt: read.s(item, "lastFailedAt"),
      ...(resolution === undefined
        ? {}
        : {
            resolution: {
              outcome: resolution as DeadLetterResolution["outcome"],
              operator: read.s(item, "resolvedBy"),
              at: read.s(item, "resolvedAt"),
            },
          }),
    });
  }
  return letters;
}

/** Marks an open letter, on the condition that it exists and is still open: two operators cannot both resolve it. */
export async function resolveDeadLetter(table: DynamoTable, id: string, resolution: DeadLetterResolution): Promise<boolean> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: { pk: table.pk("dead"), sk: attr.s(id) },
        UpdateExpression: "SET resolution = :outcome, resolvedBy = :operator, resolvedAt = :at",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(resolution)",
        ExpressionAttributeValues: {
          ":outcome": attr.s(resolution.outcome),
          ":operator": attr.s(resolution.operator),
          ":at": attr.s(resolution.at),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Ids start with the time the commit wrote them (see nextStem): the outbox lag needs no extra attribute. */
function enqueuedAtOf(id: string): { enqueuedAt?: string } {
  const ms = Number(stemOf(id).slice(0, 15));
  return Number.isSafeInteger(ms) && ms > 0 ? { enqueuedAt: new Date(ms).toISOString() } : {};
}
