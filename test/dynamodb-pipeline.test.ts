import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransactionTooLargeError } from "../adapters/dynamodb/index.js";
import type { DynamoStore } from "../adapters/dynamodb/store.js";
import { anonymousPrincipal, createEngine, type Engine } from "../core/index.js";
import type { UnitOfWork } from "edd/ports";
import { bankServices } from "../examples/bank/services.js";
import { command, errorCode, itKeepsConcurrentCommandsExact } from "./pipeline-concurrency.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

const realm = anonymousPrincipal.realm;

describeDynamo("the command pipeline on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  let store: DynamoStore;
  let engine: Engine;

  beforeAll(async () => {
    table = await dynamoTable(endpoint);
    store = table.store();
    engine = createEngine({ services: bankServices, store });
  });
  afterAll(async () => {
    await store.close();
    table.close();
  });

  describe("under concurrency", () => {
    itKeepsConcurrentCommandsExact(() => ({ engine, store }));
  });

  describe("past one transaction's limits", () => {
    const events = (aggregateId: string) => store.readAggregateEvents({ realm, service: "accounts", aggregateId });

    it("answers 413 payload-too-large for 100 deposits in one request (over 100 items) and stores nothing of it", async () => {
      const opened = await engine.command(command("OpenAccount", "big", { owner: "big@example.com" }), anonymousPrincipal);
      expect(opened.status).toBe(200);
      const request = {
        ...command("Deposit", "big", { amount: 1 }),
        commands: Array.from({ length: 100 }, () => ({ command: "Deposit", aggregateId: "big", attributes: { amount: 1 } })),
      };
      const result = await engine.command(request, anonymousPrincipal);
      expect(result.status).toBe(413);
      expect(errorCode(result)).toBe("payload-too-large");
      expect(JSON.stringify(result.body)).toMatch(/more than 100 items in one transaction/);
      expect(await events("big")).toHaveLength(1);
      expect(await store.findResponse(realm, `${request.requestId}:0`)).toBeUndefined();
      // 90 fit: the limit is DynamoDB's, not a smaller one of ours.
      const fits = { ...request, requestId: crypto.randomUUID(), commands: request.commands.slice(0, 90) };
      expect((await engine.command(fits, anonymousPrincipal)).status).toBe(200);
      expect(await events("big")).toHaveLength(91);
    });

    it("refuses a unit over 4 MB, and one event over 400 KB, with the same error and nothing written", async () => {
      const unit = (key: string, sizes: readonly number[]): UnitOfWork => ({
        realm,
        idempotencyKey: key,
        changes: [
          {
            service: "accounts",
            aggregateId: key,
            expectedVersion: 0,
            events: sizes.map((size) => ({ type: "Blob", data: { text: "x".repeat(size) } })),
            meta: { requestId: key, interactionId: key, invocationId: key, breadcrumbs: [0], user: "t", command: "Blob" },
            snapshot: { state: {}, version: sizes.length },
          },
        ],
        identities: [],
        effects: [],
        response: { status: 200, body: {} },
        time: new Date().toISOString(),
      });
      await expect(store.commit(unit("wide", Array(12).fill(380_000)))).rejects.toThrow(/over 4194304 bytes in one transaction/);
      await expect(store.commit(unit("tall", [500_000]))).rejects.toBeInstanceOf(TransactionTooLargeError);
      for (const key of ["wide", "tall"]) {
        expect(await events(key)).toEqual([]);
        expect(await store.findResponse(realm, key)).toBeUndefined();
      }
      // Ten events of 380 KB (3.8 MB) are one transaction.
      expect((await store.commit(unit("fits", Array(10).fill(380_000)))).events).toHaveLength(10);
    });
  });
});
