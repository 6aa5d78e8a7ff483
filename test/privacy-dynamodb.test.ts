import { afterAll, beforeAll, expect, it } from "vitest";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { erasedMarker } from "../core/privacy/index.js";
import { anaEmail, bobEmail, openAndTransfer, privateBank, realm } from "./support/privacy-bank.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

describeDynamo("forgetting a data subject on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());

  it("stores the owner sealed, releases the identity, erases the owner and verifies", async () => {
    const inner = table.store();
    const bank = privateBank(inner, new MemoryViewStore(), new MemoryKeyStore());
    await openAndTransfer(bank);
    expect(JSON.stringify(await inner.readAggregateEvents({ realm, service: "accounts", aggregateId: "acc-ana" }))).not.toContain(anaEmail);
    expect(await bank.forget("acc-ana")).toMatchObject({ keysDestroyed: 1, identitiesReleased: 1 });
    await bank.settle();
    expect(await bank.query("GetAccount", { id: "acc-ana" })).toMatchObject({ owner: erasedMarker, balance: 400 });
    expect(await bank.query("FindAccountByOwner", { owner: anaEmail })).toBeNull();
    expect(await bank.query("FindAccountByOwner", { owner: bobEmail })).toMatchObject({ id: "acc-bob" });
    expect(await bank.verify()).toEqual([]);
  });
});
