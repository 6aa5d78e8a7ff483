import { randomUUID } from "node:crypto";
import { DeleteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { CommandRequestBody, DeadLetter, NewDeadLetter, OutboxItem } from "../../core/ports/store.js";
import { attr, type DynamoTable, type Item, isConditionFailure, padded, read } from "../../adapters/dynamodb/client.js";

/**
 * The outbox is one partition shared by every realm of the store (as the Store port wants), keyed
 * by realm, log position and index: ids are deterministic, so applying a log entry twice finds the
 * item already there. Delivered items stay as tombstones (status "delivered") for the same reason;
 * on AWS a TTL attribute would expire them. An outbox item that fails for good becomes a dead
 * letter in place (status "dead"), in one UpdateItem.
 */
export function outboxKey(table: DynamoTable, realm: string, first: bigint, index: number): Item {
  return { pk: table.pk("outbox"), sk: attr.s(JSON.stringify([realm, padded(first), padded(index, 6)])) };
}

const isOutboxId = (id: string) => id.startsWith("[");
const outboxItemKey = (table: DynamoTable, id: string): Item => ({ pk: table.pk("outbox"), sk: attr.s(id) });

async function* query(table: DynamoTable, pk: Item[string], filter?: { expression: string; values: Item; names?: Record<string, string> }) {
  let start: Item | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk as NonNullable<Item[string]>, ...(filter?.values ?? {}) },
        ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
        ...(filter?.names === undefined ? {} : { ExpressionAttributeNames: filter.names }),
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/**
 * Scans the pending items in id order, holding back every item behind an earlier one of the same
 * target aggregate, and leases each due one with a conditional update on the due time it was read
 * with: of two relays racing for an item, one wins. The scan reads the whole pending outbox, which
 * a relay keeps short.
 */
export async function claimOutbox(table: DynamoTable, limit: number, leaseMs: number): Promise<OutboxItem[]> {
  const now = Date.now();
  const claimed: OutboxItem[] = [];
  const busy = new Set<string>();
  const pending = { expression: "#status = :pending", values: { ":pending": attr.s("pending") }, names: { "#status": "status" } };
  for await (const item of query(table, table.pk("outbox"), pending)) {
    const target = JSON.stringify([read.s(item, "realm"), read.s(item, "targetService"), read.s(item, "aggregateId")]);
    if (busy.has(target)) continue;
    busy.add(target);
    const dueAt = read.n(item, "dueAt");
    if (dueAt > now || claimed.length >= limit) continue;
    try {
      await table.client.send(
        new UpdateItemCommand({
          TableName: table.name,
          Key: { pk: item.pk as NonNullable<Item[string]>, sk: item.sk as NonNullable<Item[string]> },
          UpdateExpression: "SET dueAt = :lease",
          ConditionExpression: "dueAt = :seen AND #status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":lease": attr.n(now + leaseMs), ":seen": attr.n(dueAt), ":pending": attr.s("pending") },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) continue;
      throw error;
    }
    claimed.push({
      id: read.s(item, "sk"),
      realm: read.s(item, "realm"),
      targetService: read.s(item, "targetService"),
      aggregateId: read.s(item, "aggregateId"),
      request: read.json<CommandRequestBody>(item, "request"),
      attempts: read.n(item, "attempts"),
    });
  }
  return claimed;
}

async function update(table: DynamoTable, id: string, expression: string, values: Item, condition = "#status = :pending"): Promise<void> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: outboxItemKey(table, id),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ...(condition.includes(":pending") ? { ":pending": attr.s("pending") } : {}), ...values },
      }),
    );
  } catch (error) {
    // Gone or no longer pending: like the other stores, acting on such an item does nothing.
    if (!isConditionFailure(error)) throw error;
  }
}

export const markDelivered = (table: DynamoTable, id: string) =>
  update(table, id, "SET #status = :delivered", { ":delivered": attr.s("delivered") });

export const markFailed = (table: DynamoTable, id: string, error: string, retryInMs: number) =>
  update(
    table,
    id,
    "SET attempts = attempts + :one, lastError = :error, dueAt = :due, firstFailedAt = if_not_exists(firstFailedAt, :now)",
    {
      ":one": attr.n(1),
      ":error": attr.s(error),
      ":due": attr.n(Date.now() + retryInMs),
      ":now": attr.s(new Date().toISOString()),
    },
  );

export const deadLetterOutbox = (table: DynamoTable, id: string, error: { code: string; message: string }) =>
  update(
    table,
    id,
    "SET #status = :dead, attempts = attempts + :one, errorCode = :code, errorMessage = :message, firstFailedAt = if_not_exists(firstFailedAt, :now), lastFailedAt = :now",
    {
      ":dead": attr.s("dead"),
      ":one": attr.n(1),
      ":code": attr.s(error.code),
      ":message": attr.s(error.message),
      ":now": attr.s(new Date().toISOString()),
    },
  );

/** Dead letters from queues: their own partition, ids sortable by time. */
export async function addDeadLetter(table: DynamoTable, letter: NewDeadLetter): Promise<string> {
  const id = `${padded(Date.now(), 15)}-${randomUUID()}`;
  await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: {
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
      },
    }),
  );
  return id;
}

export async function listDeadLetters(table: DynamoTable, realm?: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for await (const item of query(table, table.pk("dead")))
    letters.push(toDeadLetter(item, read.s(item, "source"), read.json(item, "message")));
  const dead = { expression: "#status = :dead", values: { ":dead": attr.s("dead") }, names: { "#status": "status" } };
  for await (const item of query(table, table.pk("outbox"), dead)) letters.push(toDeadLetter(item, "outbox", read.json(item, "request")));
  return letters.filter((letter) => realm === undefined || letter.realm === realm);
}

function toDeadLetter(item: Item, source: string, message: unknown): DeadLetter {
  return {
    id: read.s(item, "sk"),
    realm: read.s(item, "realm"),
    source,
    message,
    error: { code: read.s(item, "errorCode"), message: read.s(item, "errorMessage") },
    attempts: read.n(item, "attempts"),
    firstFailedAt: read.s(item, "firstFailedAt"),
    lastFailedAt: read.s(item, "lastFailedAt"),
  };
}

/** An outbox dead letter keeps its item as a tombstone ("removed"), so a re-applied log entry cannot revive it. */
export async function removeDeadLetter(table: DynamoTable, id: string): Promise<void> {
  if (isOutboxId(id))
    return update(table, id, "SET #status = :removed", { ":removed": attr.s("removed"), ":dead": attr.s("dead") }, "#status = :dead");
  await table.client.send(new DeleteItemCommand({ TableName: table.name, Key: { pk: table.pk("dead"), sk: attr.s(id) } }));
}
