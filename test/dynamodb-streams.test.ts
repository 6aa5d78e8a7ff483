import { randomBytes } from "node:crypto";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DynamoCheckpointStore, DynamoStore, DynamoTable, ensureTable, realmsWithNewEvents } from "../adapters/dynamodb/index.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { accountSummaries } from "../examples/bank/views.js";
import { localClientConfig } from "./support/dynamodb-local.js";
import { describeDynamo } from "./support/dynamodb.js";
import { seedBank, viewContents } from "./support/projection-fixtures.js";

describeDynamo("a DynamoDB Streams trigger waking projectors (DynamoDB Local's stream)", (endpoint) => {
  const tableName = `edd-streams-${randomBytes(4).toString("hex")}`;
  const namespace = "streams";
  let table: DynamoTable;
  let streams: DynamoDBStreamsClient;

  beforeAll(async () => {
    table = new DynamoTable({ tableName, clientConfig: localClientConfig(endpoint) });
    expect(await ensureTable(table, { streams: true })).toBe(true);
    streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  });
  afterAll(() => {
    streams.destroy();
    table.close();
  });

  /** Every record of the table's stream so far, as a Lambda trigger would get them in batches. */
  async function streamRecords(): Promise<_Record[]> {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: Table?.LatestStreamArn }));
    const records: _Record[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({ StreamArn: Table?.LatestStreamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
        )
      ).ShardIterator;
      while (iterator !== undefined) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        records.push(...(page.Records ?? []));
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return records;
  }

  it("names the realms with new feed entries; their projectors then catch up from their checkpoints", async () => {
    const store = new DynamoStore({ tableName, namespace, client: table.client });
    await seedBank(store, "north", { accounts: 3, operations: 6 });
    await seedBank(store, "south", { accounts: 2, operations: 4, seed: 5 });
    const records = await streamRecords();
    expect(records.length).toBeGreaterThan(0);
    expect(realmsWithNewEvents(records, namespace)).toEqual(["north", "south"]);
    expect(realmsWithNewEvents(records, "another-namespace")).toEqual([]);

    const views = new MemoryViewStore();
    const checkpoints = new DynamoCheckpointStore({ tableName, namespace, client: table.client });
    for (const realm of realmsWithNewEvents(records, namespace)) {
      await createProjector({ store, views, checkpoints, projection: accountSummaries, realm }).drain();
    }
    expect((await viewContents(views, "north")).map((d) => d.id)).toEqual(["acc-0", "acc-1", "acc-2"]);
    expect((await viewContents(views, "south")).map((d) => d.id)).toEqual(["acc-0", "acc-1"]);
  });
});
