import { dynamodb } from "./sdk.js";
import type { RequestLogEntry, RequestOutcome, StoredResponse } from "../../core/ports/store.js";
import { attr, bucketOf, type DynamoTable, type Item, isConditionFailure, type Key, putFresh, read } from "./client.js";

const { GetItemCommand, UpdateItemCommand } = dynamodb;

/**
 * The request log and the stored responses, neither in one hot partition. A response lives in a
 * partition of its own (realm and idempotency key), which a commit creates on the condition that
 * it does not exist yet: that is how a second commit of one request loses. Request-log entries are
 * spread over a fixed number of partitions per realm by a hash of their id (which starts with the
 * arrival time), so a realm's log can still be listed, partition by partition, in time order.
 */
export const requestLogPartitions = 16;

export function responseKey(table: DynamoTable, realm: string, idempotencyKey: string): Key {
  return { pk: table.pk("res", realm, idempotencyKey), sk: attr.s("-") };
}

/** Partitions of the responses index per realm, so no realm's answers make one hot index partition. */
export const responseIndexPartitions = 16;

/** The keys of the responses index (client.ts): a realm's answers, spread by key, each partition in key order. */
export function responseIndexKeys(table: DynamoTable, realm: string, idempotencyKey: string): Item {
  return { rpk: table.pk("res", realm, bucketOf(responseIndexPartitions, idempotencyKey)), rsk: attr.s(idempotencyKey) };
}

/** The whole answer as one JSON text: it comes back with every field and its keys in the order written. */
export function responseItem(table: DynamoTable, realm: string, idempotencyKey: string, response: StoredResponse): Item {
  return {
    ...responseKey(table, realm, idempotencyKey),
    ...responseIndexKeys(table, realm, idempotencyKey),
    response: attr.json(response),
  };
}

export async function findResponse(table: DynamoTable, realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
  const { Item } = await table.client.send(
    new GetItemCommand({ TableName: table.name, Key: responseKey(table, realm, idempotencyKey), ConsistentRead: true }),
  );
  return Item === undefined ? undefined : read.json<StoredResponse>(Item, "response");
}

export function requestLogKey(table: DynamoTable, realm: string, logId: string): Key {
  return { pk: table.pk("req", realm, bucketOf(requestLogPartitions, logId)), sk: attr.s(logId) };
}

/** Ids are `timeOrderedId`s: a realm's log reads newest first, partition by partition, to the millisecond. */
export async function logRequest(table: DynamoTable, entry: RequestLogEntry): Promise<string> {
  const item = await putFresh(table, (id) => requestLogItem(table, entry.realm, id, entry));
  return read.s(item, "sk");
}

export function requestLogItem(table: DynamoTable, realm: string, id: string, entry: RequestLogEntry, outcome?: RequestOutcome): Item {
  return {
    ...requestLogKey(table, realm, id),
    receivedAt: attr.s(entry.receivedAt),
    entry: attr.json(entry),
    ...(outcome === undefined ? {} : { outcome: attr.json(outcome) }),
  };
}

/** The outcome as an update: the same expression in a commit's transaction and on its own. */
export function outcomeUpdate(outcome: RequestOutcome): { expression: string; values: Item } {
  return { expression: "SET outcome = :outcome", values: { ":outcome": attr.json(outcome) } };
}

export async function recordOutcome(table: DynamoTable, realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
  const update = outcomeUpdate(outcome);
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: requestLogKey(table, realm, logId),
        UpdateExpression: update.expression,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: update.values,
      }),
    );
  } catch (error) {
    // An id this realm never logged: nothing to close, like the SQL store's UPDATE of no row.
    if (!isConditionFailure(error)) throw error;
  }
}
