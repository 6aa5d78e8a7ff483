import { type AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { dynamoImporter } from "../adapters/dynamodb/importer.js";
import { DynamoStore } from "../adapters/dynamodb/store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { eventHash } from "../adapters/sql/hash.js";
import { exportRealm } from "../core/pipeline/operations/export.js";
import { importRealm } from "../core/pipeline/operations/import.js";
import { bankServices } from "../examples/bank/services.js";
import { localClientConfig } from "./support/dynamodb-local.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";
import { seedBank } from "./support/projection-fixtures.js";

const realm = "bank";

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describeDynamo("import into DynamoDB, bigger than one transaction", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  let file: string[];

  beforeAll(async () => {
    table = await dynamoTable(endpoint);
    const source = new MemoryStore();
    await seedBank(source, realm, { accounts: 30, operations: 120 });
    // seedBank opens acc-i for user<i>@example.com; the MemoryStore has no identity listing of its own.
    const identities = {
      async *listIdentities() {
        for (let i = 0; i < 30; i++) {
          const aggregateId = await source.findIdentity(realm, "accounts", `user${i}@example.com`);
          if (aggregateId !== undefined) yield { service: "accounts", name: `user${i}@example.com`, aggregateId };
        }
      },
    };
    file = await collect(exportRealm({ store: source, identities, realm }));
  });
  afterAll(() => table.close());

  /**
   * A store whose client fails the n-th TransactWriteItems as a lost connection would: before
   * DynamoDB got it, or after DynamoDB committed it (the answer is lost, the writes are not).
   */
  function failingStore(namespace: string, failAt: number, when: "before" | "after") {
    const client = new DynamoDBClient(localClientConfig(endpoint));
    let transactions = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "TransactWriteItemsCommand" || ++transactions !== failAt) return next(args);
        if (when === "after") await next(args);
        throw new Error("injected: connection lost");
      },
      { step: "initialize" },
    );
    return { store: new DynamoStore({ tableName: table.tableName, namespace, client }), transactions: () => transactions, client };
  }

  it.each(["before", "after"] as const)(
    "takes back what the import wrote when a transaction fails (%s it reached DynamoDB): no event, head or feed entry stays, and a second import succeeds",
    async (when) => {
      const events = file.filter((line) => line.startsWith('{"kind":"event"')).length;
      expect(events).toBeGreaterThan(100);
      const namespace = `import-fails-${when}`;
      const failing = failingStore(namespace, 3, when);
      const importer = dynamoImporter(failing.store);
      const options = { open: () => each(file), realm, services: bankServices, importer, hashEvent: eventHash, batchSize: 1000 };
      await expect(importRealm(options)).rejects.toThrow(/injected: connection lost/);
      expect(failing.transactions()).toBe(3);

      // Nothing of the batch is visible any more: not in the feed, not as aggregates.
      expect(await failing.store.readFeed(realm, undefined, 1000)).toMatchObject({ events: [] });
      const ids = Array.from({ length: 30 }, (_, i) => ({ service: "accounts", aggregateId: `acc-${i}` }));
      expect(await importer.nonEmpty(realm, ids)).toEqual([]);
      expect(await failing.store.readAggregateEvents({ realm, service: "accounts", aggregateId: "acc-0" })).toEqual([]);

      // The same file again, with nothing failing: imported whole, and it exports to the same bytes.
      const healthy = new DynamoStore({ tableName: table.tableName, namespace, client: table.client });
      const result = await importRealm({ ...options, importer: dynamoImporter(healthy) });
      expect(result.events).toBe(events);
      expect(await collect(exportRealm({ store: healthy, identities: dynamoImporter(healthy), realm }))).toEqual(file);
      failing.client.destroy();
    },
  );

  it("reads heads and names 100 keys a request, not one request each", async () => {
    const store = new DynamoStore({ tableName: table.tableName, namespace: "import-batched-reads", client: table.client });
    const send = vi.spyOn(table.client, "send");
    try {
      const result = await importRealm({
        open: () => each(file),
        realm,
        services: bankServices,
        importer: dynamoImporter(store),
        hashEvent: eventHash,
      });
      expect(result.aggregates).toBe(30);
      const sent = send.mock.calls.map(([command]) => command.constructor.name);
      expect(sent.filter((name) => name === "GetItemCommand")).toEqual([]);
      // The target's heads and names, then each batch's heads and names: four reads of 30 keys.
      expect(sent.filter((name) => name === "BatchGetItemCommand")).toHaveLength(4);
    } finally {
      send.mockRestore();
    }
  });

  it("takes back only its own events: another writer's event at a key the import meant to write stays", async () => {
    const client = new DynamoDBClient(localClientConfig(endpoint));
    let transactions = 0;
    let intruder: Record<string, AttributeValue> | undefined;
    // Before the third transaction goes out, another writer puts its own event at the first event key of it.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "TransactWriteItemsCommand" && ++transactions === 3) {
          const items = (args.input as { TransactItems: { Put?: { Item: Record<string, AttributeValue> } }[] }).TransactItems;
          const target = items.map((i) => i.Put?.Item).find((item) => item?.event !== undefined) as Record<string, AttributeValue>;
          const theirs = { ...JSON.parse(target.event?.S as string), hash: "f".repeat(64), data: { by: "someone else" } };
          intruder = { ...target, event: { S: JSON.stringify(theirs) } };
          await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: intruder }));
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const store = new DynamoStore({ tableName: table.tableName, namespace: "import-intruder", client });
    const options = {
      open: () => each(file),
      realm,
      services: bankServices,
      importer: dynamoImporter(store),
      hashEvent: eventHash,
      batchSize: 1000,
    };
    await expect(importRealm(options)).rejects.toThrow(/changed while the import wrote/);
    const key = { pk: intruder?.pk as AttributeValue, sk: intruder?.sk as AttributeValue };
    const { Item } = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
    expect(Item?.event?.S).toBe(intruder?.event?.S);
    // Everything the import itself wrote is gone.
    expect((await store.readFeed(realm, undefined, 1000)).events).toEqual([]);
    client.destroy();
  });

  it("imports a whole file in one session, and a failure in a later batch or the source leaves nothing of it", async () => {
    const store = new DynamoStore({ tableName: table.tableName, namespace: "import-all", client: table.client });
    const importer = dynamoImporter(store);
    const events = (await store.readFeed(realm, undefined, 10)).events;
    expect(events).toEqual([]);
    const source = new MemoryStore();
    await seedBank(source, realm, { accounts: 4, operations: 20, seed: 3 });
    const history = (await source.readFeed(realm, undefined, 1000)).events;
    const snapshotsOf = (part: typeof history) =>
      [...new Map(part.map((e) => [e.aggregateId, e])).values()].map((e) => ({
        service: e.service,
        aggregateId: e.aggregateId,
        snapshot: { state: { last: e.sequence }, version: e.sequence },
      }));
    const half = Math.floor(history.length / 2);
    async function* failing() {
      yield { events: history.slice(0, half), snapshots: snapshotsOf(history.slice(0, half)), identities: [] };
      throw new Error("the file changed during the import");
    }
    await expect(importer.importAll(realm, failing())).rejects.toThrow("the file changed");
    expect((await store.readFeed(realm, undefined, 1000)).events).toEqual([]);

    // A name already claimed, found after every event was written: nothing stays either.
    async function* nameOnly() {
      yield { events: [], snapshots: [], identities: [{ service: "accounts", name: "taken@example.com", aggregateId: "someone-else" }] };
    }
    await importer.importAll(realm, nameOnly());
    async function* clashing() {
      yield { events: history, snapshots: snapshotsOf(history), identities: [] };
      yield { events: [], snapshots: [], identities: [{ service: "accounts", name: "taken@example.com", aggregateId: "acc-0" }] };
    }
    await expect(importer.importAll(realm, clashing())).rejects.toThrow(/taken@example.com/);
    expect((await store.readFeed(realm, undefined, 1000)).events).toEqual([]);
    expect(await importer.nonEmpty(realm, [{ service: "accounts", aggregateId: "acc-0" }])).toEqual([]);
    expect(await store.findIdentity(realm, "accounts", "taken@example.com")).toBe("someone-else");

    async function* whole() {
      yield {
        events: history,
        snapshots: snapshotsOf(history),
        identities: [{ service: "accounts", name: "user0@example.com", aggregateId: "acc-0" }],
      };
    }
    await importer.importAll(realm, whole());
    expect((await store.readFeed(realm, undefined, 1000)).events.map((e) => e.hash)).toEqual(history.map((e) => e.hash));
    expect(await store.findIdentity(realm, "accounts", "user0@example.com")).toBe("acc-0");
  });

  it("writes many records at once, and a conflict among them takes back every one written, those of its round included", async () => {
    const store = new DynamoStore({ tableName: table.tableName, namespace: "records-at-once", client: table.client });
    const importer = dynamoImporter(store);
    const at = "2026-01-02T03:04:05.678Z";
    const answer = (key: string) => ({ idempotencyKey: key, status: 200, body: `{"key":"${key}"}` });
    const logged = (n: number) => ({
      requestId: `q-${n}`,
      interactionId: "i",
      invocationId: `v-${n}`,
      breadcrumbs: [0],
      kind: "command" as const,
      body: {},
      receivedAt: at,
    });
    const slice = (keys: readonly string[], requests: number) => ({
      events: [],
      snapshots: [],
      identities: [],
      records: {
        responses: keys.map(answer),
        requests: Array.from({ length: requests }, (_, n) => logged(n)),
        deadLetters: [],
        outbox: [],
      },
    });
    // An answer the target already holds, in the middle of the second slice's first round of writes.
    await importer.importAll(realm, each([slice(["k-37"], 0)]));
    const keys = Array.from({ length: 60 }, (_, n) => `k-${n}`);
    async function* clashing() {
      yield slice(keys.slice(0, 30), 40);
      yield slice(keys.slice(30), 0);
    }
    await expect(importer.importAll(realm, clashing())).rejects.toThrow(/already holds an answer under k-37/);
    for (const key of keys.filter((k) => k !== "k-37")) expect(await store.findResponse(realm, key)).toBeUndefined();
    expect(await store.findResponse(realm, "k-37")).toMatchObject({ body: { key: "k-37" } });
    const requests: unknown[] = [];
    for await (const request of importer.listRequests(realm)) requests.push(request);
    expect(requests).toEqual([]);

    // Without the clash, all of them are written.
    const others = keys.filter((k) => k !== "k-37");
    await importer.importAll(realm, each([slice(others, 40)]));
    for (const key of others) expect(await store.findResponse(realm, key)).toMatchObject({ status: 200 });
    for await (const request of importer.listRequests(realm)) requests.push(request);
    expect(requests).toHaveLength(40);
  });
});
