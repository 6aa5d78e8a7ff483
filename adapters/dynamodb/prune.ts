import { dynamodb } from "./sdk.js";
import type { RequestLogPruner } from "../../core/ports/retention.js";
import { attr, type Item, queryAll, read } from "./client.js";
import { requestLogPartitions } from "./requests.js";
import type { DynamoStore } from "./store.js";

const { BatchWriteItemCommand } = dynamodb;

/**
 * `edd prune` on DynamoDB: reads the realm's request-log partitions for entries received before
 * the cut-off (a filter on `receivedAt`, so it reads each partition whole: an operator's job, run
 * rarely) and deletes the oldest, 25 per BatchWriteItem. Responses are never touched.
 */
export function dynamoRequestLogPruner(store: DynamoStore): RequestLogPruner {
  const { table } = store;

  async function pastRetention(realm: string, before: string): Promise<Item[]> {
    const found: Item[] = [];
    for (let partition = 0; partition < requestLogPartitions; partition++) {
      const items = queryAll(table, {
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "receivedAt < :before",
        ProjectionExpression: "pk, sk, receivedAt",
        ExpressionAttributeValues: { ":pk": table.pk("req", realm, partition), ":before": attr.s(before) },
      });
      for await (const item of items) found.push(item);
    }
    return found.sort((a, b) => (read.s(a, "receivedAt") < read.s(b, "receivedAt") ? -1 : 1));
  }

  return {
    async pruneRequestLog(realm, before, limit) {
      const due = (await pastRetention(realm, before)).slice(0, limit);
      for (let i = 0; i < due.length; i += 25) {
        let pending = due.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } as Item } }));
        while (pending.length > 0) {
          const answer = await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: pending } }));
          pending = (answer.UnprocessedItems?.[table.name] ?? []) as typeof pending;
        }
      }
      return due.length;
    },
    async countRequestLog(realm, before) {
      return (await pastRetention(realm, before)).length;
    },
  };
}
