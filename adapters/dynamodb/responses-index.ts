import { attr, DynamoTable, type Item, isConditionFailure, mergedPageItems, queryAll, read, responsesIndex, scanAll } from "./client.js";
import { compareCodePoints } from "../../core/model/canonical-json.js";
import { mergeOrdered } from "../../core/pipeline/operations/file-order.js";
import { responseIndexKeys, responseIndexPartitions } from "./requests.js";
import { dynamodb } from "./sdk.js";

const { DescribeTableCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, UpdateTableCommand } = dynamodb;

/** Whether every response item of the table is in the responses index (its marker is there). */
export async function responsesIndexed(table: DynamoTable): Promise<boolean> {
  const { Item } = await table.client.send(new GetItemCommand({ TableName: table.name, Key: responsesIndex.marker, ConsistentRead: true }));
  return Item !== undefined;
}

/**
 * A realm's stored response items through the index, by idempotency key in code-point order: each
 * partition is a Query in key order (DynamoDB compares strings by their UTF-8 bytes, which order as
 * code points do), merged. Index reads are eventually consistent: an answer committed a moment ago
 * may be missing, so export a realm once it stopped taking writes (as a move does anyway).
 */
export function indexedResponseItems(table: DynamoTable, realm: string): AsyncGenerator<Item> {
  const partitions = Array.from({ length: responseIndexPartitions }, (_, partition) =>
    queryAll(table, {
      IndexName: responsesIndex.name,
      ConsistentRead: false,
      KeyConditionExpression: "rpk = :rpk",
      ExpressionAttributeValues: { ":rpk": table.pk("res", realm, partition) },
      Limit: mergedPageItems,
    }),
  );
  return mergeOrdered(partitions, (a, b) => compareCodePoints(read.s(a, "rsk"), read.s(b, "rsk")));
}

export interface IndexStoredResponsesOptions {
  readonly timeoutMs?: number;
}

/**
 * Brings a table created before the responses index up to it, once, after every writer runs a
 * release that writes the index keys: adds the index when missing, waits until it is active, sets
 * the keys on every older response item (one Scan of the table, every namespace) and then writes
 * the marker that lets exports use the index. Until then exports scan. Safe to run again.
 */
export async function indexStoredResponses(table: DynamoTable, options: IndexStoredResponsesOptions = {}): Promise<{ indexed: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const indexStatus = async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.name }));
    return Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === responsesIndex.name)?.IndexStatus;
  };
  if ((await indexStatus()) === undefined) {
    await table.client.send(
      new UpdateTableCommand({
        TableName: table.name,
        AttributeDefinitions: responsesIndex.attributes,
        GlobalSecondaryIndexUpdates: [{ Create: responsesIndex.definition }],
      }),
    );
  }
  for (let status = await indexStatus(); status !== "ACTIVE"; status = await indexStatus()) {
    if (Date.now() > deadline) throw new Error(`index ${responsesIndex.name} of ${table.name} is still ${status ?? "missing"}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  let indexed = 0;
  const olderResponses = scanAll(table, {
    FilterExpression: "sk = :sk AND attribute_not_exists(rpk)",
    ExpressionAttributeValues: { ":sk": attr.s("-") },
  });
  for await (const item of olderResponses) {
    const parts = responseKeyParts(read.s(item, "pk"));
    if (parts === undefined) continue;
    // Older response items of every namespace are indexed in this one pass.
    const scoped = new DynamoTable({ tableName: table.name, namespace: parts.namespace, client: table.client });
    const keys = responseIndexKeys(scoped, parts.realm, parts.idempotencyKey);
    try {
      await table.client.send(
        new UpdateItemCommand({
          TableName: table.name,
          Key: { pk: item.pk as Item[string], sk: item.sk as Item[string] },
          UpdateExpression: "SET rpk = :rpk, rsk = :rsk",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":rpk": keys.rpk as Item[string], ":rsk": keys.rsk as Item[string] },
        }),
      );
      indexed++;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  await table.client.send(new PutItemCommand({ TableName: table.name, Item: responsesIndex.marker }));
  return { indexed };
}

/** `[ns,"res",realm,key]` of a response item, or undefined for any other item. */
function responseKeyParts(pk: string): { namespace: string; realm: string; idempotencyKey: string } | undefined {
  let parts: unknown;
  try {
    parts = JSON.parse(pk);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 4 || parts[1] !== "res" || !parts.every((part) => typeof part === "string"))
    return undefined;
  const [namespace, , realm, idempotencyKey] = parts as [string, string, string, string];
  return { namespace, realm, idempotencyKey };
}
