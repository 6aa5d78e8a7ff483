import { describeStoreContract } from "edd/testing/contracts";
import { afterAll, beforeAll } from "vitest";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

describeDynamo("DynamoDB store on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());
  describeStoreContract("dynamodb", async () => table.store());
  // Few shards: commits on different aggregates meet on the same shard and race for its next entry.
  describeStoreContract("dynamodb, 2 feed shards", async () => table.store({ feedShards: 2 }));
});
