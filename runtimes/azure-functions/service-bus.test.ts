import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { commandRequest } from "../../test/support/requests.js";
import { createAzureServiceBusHandler } from "./index.js";

function setup() {
  const { engine, store } = createBankTestEngine();
  store.beforeApply = (unit) => {
    if (unit.changes.some((change) => change.aggregateId.startsWith("flaky"))) throw new Error("database went away");
  };
  return { store, handler: createAzureServiceBusHandler(engine, "edd-commands") };
}

const context = (triggerMetadata: Record<string, unknown>) => new InvocationContext({ logHandler: () => {}, triggerMetadata });

describe("Azure Functions Service Bus trigger", () => {
  it("completes a dispatched message (returns) in the realm of its application property", async () => {
    const { store, handler } = setup();
    const open = commandRequest({ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } });
    const metadata = { deliveryCount: 1, sessionId: "acc-1", applicationProperties: { "edd-realm": "bank-eu" } };
    await expect(handler(open, context(metadata))).resolves.toBeUndefined();
    expect((await store.readFeed("bank-eu", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
  });

  it("abandons (throws) on a transient failure so Service Bus redelivers and, past MaxDeliveryCount, dead-letters", async () => {
    const { store, handler } = setup();
    const flaky = commandRequest({ command: "OpenAccount", aggregateId: "flaky-1", attributes: { owner: "bo@example.com" } });
    await expect(handler(flaky, context({ deliveryCount: 2, messageId: "m-7" }))).rejects.toThrow(/message m-7 will be retried/);
    expect(await store.listDeadLetters()).toEqual([]);
  });

  it("completes a permanently bad message after storing it as a dead letter", async () => {
    const { store, handler } = setup();
    await expect(handler("{not json", context({ deliveryCount: 4, userProperties: { "edd-realm": "bank-eu" } }))).resolves.toBeUndefined();
    expect(await store.listDeadLetters()).toMatchObject([
      { realm: "bank-eu", source: "servicebus:edd-commands", attempts: 4, error: { code: "malformed-json" } },
    ]);
  });

  it("reads a binary body as UTF-8 JSON", async () => {
    const { store, handler } = setup();
    const open = commandRequest({ command: "OpenAccount", aggregateId: "acc-2", attributes: { owner: "cy@example.com" } });
    await handler(new TextEncoder().encode(JSON.stringify(open)), context({ deliveryCount: 1 }));
    expect((await store.readFeed("default", undefined, 10)).events.map((e) => e.aggregateId)).toEqual(["acc-2"]);
  });
});
