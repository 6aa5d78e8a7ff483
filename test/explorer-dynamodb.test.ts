import { afterAll, beforeAll, expect, it } from "vitest";
import { dynamoBackend } from "../adapters/dynamodb/backend.js";
import type { DynamoStore } from "../adapters/dynamodb/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { dispatchQueuedCommand } from "../core/pipeline/effects/queue.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";
import { deposit, type ExplorerFixture, explorerFixture, open, visibleText, withdraw } from "./support/explorer-fixtures.js";

// The audit explorer on the DynamoDB backend: its pages read through the DynamoDB audit reader.
describeDynamo("the explorer on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());

  const fixture = (overrides = {}): ExplorerFixture<DynamoStore> => {
    const backend = dynamoBackend({
      tableName: table.tableName,
      client: table.client,
      namespace: crypto.randomUUID(),
      views: new MemoryViewStore(),
    });
    return explorerFixture(overrides, { store: backend.store as DynamoStore, audit: backend.audit });
  };

  it("lists the aggregates of a service by prefix, a page at a time, and opens a timeline", async () => {
    const { command, get } = fixture({ pageSize: 2 });
    for (const id of ["eu-3", "eu-1", "us-1", "eu-2"]) expect(await command([open(id, `${id}@example.com`)])).toBe(200);
    expect(await command([deposit("eu-1", 5)])).toBe(200);

    const first = await (await get("/_edd/?service=accounts&prefix=eu-")).text();
    expect(visibleText(first)).toMatch(/eu-1 2 .*eu-2 1 /);
    expect(visibleText(first)).not.toContain("eu-3");
    expect(visibleText(first)).not.toContain("us-1");
    const next = first.match(/href="([^"]+)"[^>]*>\s*Next page of aggregates/)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeDefined();
    const second = visibleText(await (await get(next as string)).text());
    expect(second).toContain("eu-3");
    expect(second).not.toContain("eu-1");

    const timeline = visibleText(await (await get("/_edd/aggregates/accounts/eu-1")).text());
    expect(timeline).toContain("2. Deposited");
    expect(timeline).toContain("holds: every hash follows");
  });

  it("finds a request by id with its outcome and the aggregates it changed, and pages the log newest first", async () => {
    const { command, get } = fixture({ pageSize: 2 });
    const requestId = crypto.randomUUID();
    const interactionId = crypto.randomUUID();
    await command([open("acc-1", "ana@example.com")], { interactionId });
    await command([deposit("acc-1", 10)], { requestId });
    expect(await command([withdraw("acc-1", 50)], { interactionId })).toBe(422);

    const found = await (await get(`/_edd/requests?requestId=${requestId}`)).text();
    expect(visibleText(found)).toMatch(/command: Deposit 200/);
    expect(found).toContain('href="/_edd/aggregates/accounts/acc-1?realm=default&amp;at=2#event-2"');

    const interaction = visibleText(await (await get(`/_edd/requests?interactionId=${interactionId}`)).text());
    expect(interaction).toMatch(/command: Withdraw 422 insufficient-funds/);
    expect(interaction.indexOf("Withdraw")).toBeLessThan(interaction.indexOf("OpenAccount"));

    const newest = await (await get("/_edd/requests")).text();
    expect(visibleText(newest)).not.toContain("OpenAccount");
    const older = newest.match(/href="([^"]+)" rel="next"/)?.[1]?.replaceAll("&amp;", "&");
    expect(visibleText(await (await get(older as string)).text())).toContain("OpenAccount");
  });

  it("lists a dead letter and discards it", async () => {
    const explorer = fixture();
    await explorer.command([open("acc-1", "ana@example.com")]);
    const body = JSON.stringify({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID(), commands: [withdraw("acc-1", 40)] });
    const outcome = await dispatchQueuedCommand(explorer.engine, { body, source: "test:queue" });
    if (outcome.outcome !== "dead-lettered") throw new Error(`expected a dead letter, got ${outcome.outcome}`);
    const text = visibleText(await (await explorer.get("/_edd/dead-letters")).text());
    expect(text).toContain(outcome.deadLetterId);
    expect(text).toContain("insufficient-funds");
    expect((await explorer.store.listDeadLetters("default")).map((letter) => letter.id)).toEqual([outcome.deadLetterId]);
  });
});
