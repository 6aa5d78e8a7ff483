import { describe, expect, it } from "vitest";
import { commandRequest } from "../../test/support/requests.js";
import { createBankTestEngine } from "../../test/parity/engine.js";
import { sqsEvent } from "../../test/parity/fixtures/aws.js";
import { silentLogger } from "../../core/index.js";
import { createLambdaHandler } from "./index.js";

const open = (id: string) =>
  JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }));
const deposit = (id: string) => JSON.stringify(commandRequest({ command: "Deposit", aggregateId: id, attributes: { amount: 10 } }));

/** A bank engine whose store fails every commit touching an aggregate named "flaky-…": a transient fault. */
function engineWithFlakyAggregates() {
  const { engine, store } = createBankTestEngine();
  store.beforeApply = (unit) => {
    if (unit.changes.some((change) => change.aggregateId.startsWith("flaky"))) throw new Error("database went away");
  };
  return { handler: createLambdaHandler(engine, { logger: silentLogger }), store };
}

describe("Lambda SQS batches", () => {
  it("reports only the failed records of a standard queue (partial batch response)", async () => {
    const { handler, store } = engineWithFlakyAggregates();
    const event = sqsEvent(
      [
        { messageId: "ok-1", body: open("a1") },
        { messageId: "fails", body: open("flaky-1") },
        { messageId: "ok-2", body: open("a2") },
      ],
      "edd-commands",
    );
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "fails" }] });
    const types = (await store.readFeed("default", undefined, 100)).events.map((e) => `${e.aggregateId}:${e.type}`);
    expect(types.sort()).toEqual(["a1:AccountOpened", "a2:AccountOpened"]);
  });

  it("stops a FIFO message group at its first failure and returns the rest of that group only", async () => {
    const { handler, store } = engineWithFlakyAggregates();
    const event = sqsEvent([
      { messageId: "g1-ok", groupId: "g1", body: open("b1") },
      { messageId: "g1-fails", groupId: "g1", body: open("flaky-2") },
      { messageId: "g2-ok", groupId: "g2", body: open("c1") },
      { messageId: "g1-after", groupId: "g1", body: deposit("b1") },
      { messageId: "g2-after", groupId: "g2", body: deposit("c1") },
    ]);
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "g1-fails" }, { itemIdentifier: "g1-after" }] });
    const types = (await store.readFeed("default", undefined, 100)).events.map((e) => `${e.aggregateId}:${e.type}`);
    // b1 was never deposited into: its deposit came after the failure in group g1 and must wait.
    expect(types.sort()).toEqual(["b1:AccountOpened", "c1:AccountOpened", "c1:Deposited"]);
  });

  it("dead-letters malformed and invalid records instead of failing the batch", async () => {
    const { handler, store } = engineWithFlakyAggregates();
    const event = sqsEvent([
      { messageId: "not-json", body: "{oops", realm: "bank-eu", receiveCount: 3 },
      { messageId: "no-envelope", body: JSON.stringify({ hello: "world" }) },
    ]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const letters = await store.listDeadLetters();
    expect(letters.map((l) => ({ realm: l.realm, source: l.source, code: l.error.code, attempts: l.attempts }))).toEqual([
      { realm: "bank-eu", source: "sqs:edd-commands.fifo", code: "malformed-json", attempts: 3 },
      { realm: "default", source: "sqs:edd-commands.fifo", code: "invalid-envelope", attempts: 1 },
    ]);
  });

  it("dispatches into the realm named by the edd-realm message attribute", async () => {
    const { handler, store } = engineWithFlakyAggregates();
    await handler(sqsEvent([{ body: open("d1"), realm: "bank-eu" }]));
    expect((await store.readFeed("bank-eu", undefined, 10)).events.map((e) => e.type)).toEqual(["AccountOpened"]);
    expect((await store.readFeed("default", undefined, 10)).events).toEqual([]);
  });

  it("returns a record whose dead letter cannot be stored, rather than losing it", async () => {
    const { handler, store } = engineWithFlakyAggregates();
    store.addDeadLetter = async () => {
      throw new Error("dead-letter table unavailable");
    };
    expect(await handler(sqsEvent([{ messageId: "lost?", body: "{oops" }]))).toEqual({ batchItemFailures: [{ itemIdentifier: "lost?" }] });
  });
});
