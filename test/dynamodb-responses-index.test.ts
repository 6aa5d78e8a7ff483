import { randomBytes, randomUUID } from "node:crypto";
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { bucketOf, DynamoTable } from "../adapters/dynamodb/client.js";
import { responseIndexPartitions, responseItem } from "../adapters/dynamodb/requests.js";
import { compareCodePoints } from "../core/model/canonical-json.js";
import { indexStoredResponses } from "../adapters/dynamodb/index.js";
import { dynamoRecordReader } from "../adapters/dynamodb/records.js";
import { DynamoStore } from "../adapters/dynamodb/store.js";
import { createEngine, type Principal } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { keysOrderedByCodePointOnly } from "./support/code-point-keys.js";
import { dynamoClientConfig, describeDynamo, dynamoTable } from "./support/dynamodb.js";

const clerk = (realm: string): Principal => ({ id: "clara", realm, roles: [] });

/** Opens `count` accounts in `realm`: each answer is a stored response. */
async function answer(store: DynamoStore, realm: string, count: number): Promise<string[]> {
  const engine = createEngine({ services: bankServices, store });
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const requestId = randomUUID();
    const result = await engine.command(
      {
        requestId,
        interactionId: randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: `acc-${i}`, attributes: { owner: `o${i}@example.com` } }],
      },
      clerk(realm),
    );
    expect(result.status).toBe(200);
    keys.push(requestId);
  }
  return keys;
}

/** The commands a listing sends, by name, and the keys it lists. */
async function listed(table: DynamoTable, realm: string) {
  const send = vi.spyOn(table.client, "send");
  const keys: string[] = [];
  try {
    for await (const response of dynamoRecordReader(table).listResponses(realm)) keys.push(response.idempotencyKey);
    const sent = send.mock.calls.map(([command]) => command.constructor.name);
    const indexed = send.mock.calls.some(([command]) => (command.input as { IndexName?: string }).IndexName === "edd-responses");
    return { keys, sent: new Set(sent), indexed };
  } finally {
    send.mockRestore();
  }
}

const keyed = (keys: readonly string[]) => keys.map((key) => expect.stringContaining(key));

describeDynamo("DynamoDB: a realm's stored responses are listed by Query on an index, not a table scan", (endpoint) => {
  let fresh: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    fresh = await dynamoTable(endpoint);
  }, 120_000);
  afterAll(() => fresh?.close());

  it("lists one realm's answers through the index on a table ensureTable made", async () => {
    const store = fresh.store();
    const mine = await answer(store, "acme", 20);
    await answer(store, "other", 3);
    const result = await listed(store.table, "acme");
    expect(result.sent.has("ScanCommand")).toBe(false);
    expect(result.indexed).toBe(true);
    expect(result.keys).toHaveLength(20);
    expect(result.keys).toEqual(expect.arrayContaining(keyed(mine)));
    expect(result.keys).toEqual([...result.keys].sort(compareCodePoints));
  });

  it("lists a realm's answers by idempotency key in code-point order, which UTF-16 order would not give", async () => {
    const store = fresh.store();
    const odd = keysOrderedByCodePointOnly;
    // Pairs in one index partition whose code-point order is the reverse of their UTF-16 order.
    const pairs: string[] = [];
    for (let i = 0; pairs.length < 6; i++) {
      const [bmp, astral] = [`k${i}\uFFFD`, `k${i}😀`];
      if (bucketOf(responseIndexPartitions, bmp) === bucketOf(responseIndexPartitions, astral)) pairs.push(bmp, astral);
    }
    const keys = [...odd, ...pairs, ...Array.from({ length: 60 }, (_, i) => `key-${i}`)];
    for (const key of keys) {
      await store.table.client.send(
        new PutItemCommand({ TableName: store.table.name, Item: responseItem(store.table, "moved", key, { status: 200, body: { key } }) }),
      );
    }
    const result = await listed(store.table, "moved");
    expect(result.indexed).toBe(true);
    expect(result.keys).toEqual([...keys].sort(compareCodePoints));
    expect(dynamoRecordReader(store.table).responsesInFileOrder).toBe(true);
  });

  it("scans a table made before the index, and uses the index once indexStoredResponses indexed its older answers", async () => {
    const tableName = `edd-test-old-${randomBytes(4).toString("hex")}`;
    const legacy = new DynamoTable({ tableName, clientConfig: dynamoClientConfig(endpoint) });
    // The table as earlier releases created it: keys only, no index, no marker.
    await legacy.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    try {
      const store = new DynamoStore({ tableName, namespace: "ns1", client: legacy.client });
      const keys = await answer(store, "acme", 6);
      // Answers an earlier release wrote carry no index keys: remove them from half.
      for (const [i, key] of keys.entries()) {
        if (i % 2 === 1) continue;
        const { Items } = await legacy.client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: "begins_with(rsk, :k)",
            ExpressionAttributeValues: { ":k": { S: key } },
          }),
        );
        for (const item of Items ?? []) {
          await legacy.client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue },
              UpdateExpression: "REMOVE rpk, rsk",
            }),
          );
        }
      }
      const before = await listed(store.table, "acme");
      expect(before.sent.has("ScanCommand")).toBe(true);
      expect(before.indexed).toBe(false);
      expect(before.keys).toEqual(expect.arrayContaining(keyed(keys)));
      expect(before.keys).toHaveLength(6);
      expect(before.keys).toEqual([...before.keys].sort(compareCodePoints));

      expect(await indexStoredResponses(legacy, { timeoutMs: 60_000 })).toEqual({ indexed: 3 });
      const after = await listed(store.table, "acme");
      expect(after.sent.has("ScanCommand")).toBe(false);
      expect(after.indexed).toBe(true);
      expect(after.keys).toEqual(before.keys);
      // Run again: nothing left to index.
      expect(await indexStoredResponses(legacy, { timeoutMs: 60_000 })).toEqual({ indexed: 0 });
    } finally {
      await legacy.client.send(new DeleteTableCommand({ TableName: tableName }));
      legacy.close();
    }
  }, 120_000);
});
