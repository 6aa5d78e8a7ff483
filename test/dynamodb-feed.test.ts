import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventItem } from "../adapters/dynamodb/aggregates.js";
import { entryItem } from "../adapters/dynamodb/feed-shards.js";
import type { DynamoStore } from "../adapters/dynamodb/store.js";
import { eventHash } from "../adapters/sql/hash.js";
import type { StoredEvent } from "../core/model/events.js";
import type { UnitOfWork } from "../core/ports/store.js";
import { readFeedUntil } from "../contracts/store.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

const realm = "r1";
const time = "2026-01-02T03:04:05.678Z";
const meta = { requestId: "q", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "t", command: "C" };

function unit(key: string, aggregateId: string): UnitOfWork {
  return {
    realm,
    idempotencyKey: key,
    changes: [
      { service: "s", aggregateId, expectedVersion: 0, events: [{ type: "E", data: { key } }], meta, snapshot: { state: {}, version: 1 } },
    ],
    identities: [],
    effects: [],
    response: { status: 200, body: {} },
    time,
  };
}

/** An event as a commit in flight would write it, without going through the store. */
function inFlight(aggregateId: string, position: bigint): StoredEvent {
  const fields = { realm, service: "s", aggregateId, sequence: 1, type: "E", data: { key: aggregateId }, meta, time };
  return { ...fields, position: position.toString(), hash: eventHash(null, fields) };
}

describeDynamo("the DynamoDB feed while commits are in flight", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  let store: DynamoStore;
  const put = (Item: Record<string, unknown>) =>
    table.client.send(new PutItemCommand({ TableName: table.tableName, Item: Item as PutItemCommand["input"]["Item"] }));

  beforeAll(async () => {
    table = await dynamoTable(endpoint);
    // One shard, so the hand-written entries below land in the same log as the store's own.
    store = table.store({ feedShards: 1 });
  });
  afterAll(async () => {
    await store.close();
    table.close();
  });

  it("stops before an entry whose predecessor is not visible yet, then yields both once, in order", async () => {
    const first = (await store.commit(unit("k1", "a"))).events;
    const read = await readFeedUntil(store, realm, 1, 10);
    expect(read.events).toEqual(first);

    // Entry 3 is written, entry 2 (a transaction still committing) is not: the reader must not step past 2.
    const third = inFlight("c", 10n ** 15n + 3n);
    await put(eventItem(store.table, third));
    await put(entryItem(store.table, realm, 0, 3, [third]));
    expect(await store.readFeed(realm, read.checkpoint, 10)).toEqual({ events: [], checkpoint: read.checkpoint });

    const second = inFlight("b", 10n ** 15n + 2n);
    await put(eventItem(store.table, second));
    await put(entryItem(store.table, realm, 0, 2, [second]));
    const next = await store.readFeed(realm, read.checkpoint, 10);
    expect(next.events).toEqual([second, third]);
    expect(await store.readFeed(realm, next.checkpoint, 10)).toEqual({ events: [], checkpoint: next.checkpoint });

    // The store's next commit goes after the hand-written entries, above their positions.
    const later = (await store.commit(unit("k4", "d"))).events;
    expect(BigInt(later[0]?.position as string)).toBeGreaterThan(10n ** 15n + 3n);
    expect((await store.readFeed(realm, next.checkpoint, 10)).events).toEqual(later);
  });

  it("waits for an event its entry already points at (a transaction's items appear one by one), and names one that never comes", async () => {
    const start = (await readFeedUntil(store, realm, 4, 100)).checkpoint;
    const late = inFlight("late", 10n ** 16n);
    await put(entryItem(store.table, realm, 0, 5, [late]));
    const reading = store.readFeed(realm, start, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await put(eventItem(store.table, late));
    expect((await reading).events).toEqual([late]);

    const gone = inFlight("gone", 10n ** 16n + 1n);
    await put(entryItem(store.table, realm, 0, 6, [gone]));
    await expect(store.readFeed(realm, (await store.readFeed(realm, start, 10)).checkpoint, 10)).rejects.toThrow(
      /shard 0 entry 6 points at s\/gone sequence 1, which is not in the table/,
    );
  });

  it("keeps a unit's order when its changes alternate between aggregates of different shards", async () => {
    const several = table.store({ feedShards: 4 });
    const change = (aggregateId: string, expectedVersion: number, type: string) => ({
      service: "s",
      aggregateId,
      expectedVersion,
      events: [{ type, data: {} }],
      meta,
      snapshot: { state: { type }, version: expectedVersion + 1 },
    });
    // "a" and "f" hash to different shards of four.
    const { events } = await several.commit({
      ...unit("mixed", "a"),
      changes: [change("a", 0, "A1"), change("f", 0, "F1"), change("a", 1, "A2")],
    });
    expect(events.map((e) => e.type)).toEqual(["A1", "F1", "A2"]);
    expect(events.map((e) => BigInt(e.position as string))).toEqual(
      events.map((_, i) => BigInt(events[0]?.position as string) + BigInt(i)),
    );
    expect((await several.readAggregateEvents({ realm, service: "s", aggregateId: "a" })).map((e) => e.type)).toEqual(["A1", "A2"]);
    expect(await several.loadSnapshot({ realm, service: "s", aggregateId: "a" })).toEqual({ state: { type: "A2" }, version: 2 });
    expect((await several.readFeed(realm, undefined, 10)).events).toEqual(events);
    await several.close();
  });

  it("refuses a checkpoint of another shape", async () => {
    await expect(store.readFeed(realm, "0:0", 10)).rejects.toThrow(
      /Invalid feed checkpoint "0:0": expected 1 comma-separated shard cursors/,
    );
  });
});
