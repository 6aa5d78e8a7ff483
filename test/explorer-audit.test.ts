import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryAuditReader } from "../adapters/memory/audit.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { sqlAuditReader } from "../adapters/sql/audit.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { createEngine, type Engine, type Store } from "../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import type { AuditReader } from "../core/ports/audit.js";
import { bankServices } from "../examples/bank/services.js";

interface Subject {
  readonly store: Store;
  readonly audit: AuditReader;
}

// One PGlite instance (it takes a second to start), a fresh schema per test.
let pglite: Promise<SqlClient> | undefined;
let schemas = 0;
afterAll(async () => (await pglite)?.close());

const subjects: Record<string, () => Promise<Subject>> = {
  memory: async () => {
    const store = new MemoryStore();
    return { store, audit: memoryAuditReader(store) };
  },
  "sql on pglite": async () => {
    pglite ??= createPgliteClient();
    const client = await pglite;
    const schema = `explorer_audit_${++schemas}`;
    await migrate(client, schema);
    return { store: new SqlStore({ ...client, close: async () => {} }, { schema }), audit: sqlAuditReader(client, { schema }) };
  },
};

const ids = () => ({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID() });
const open = (id: string) => ({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } });
const deposit = (id: string, amount: number) => ({ command: "Deposit", aggregateId: id, attributes: { amount } });
const clerk = { id: "clara", realm: "default", roles: [] };

async function send(engine: Engine, commands: readonly object[], given: Partial<ReturnType<typeof ids>> = {}, principal = clerk) {
  const request = { ...ids(), ...given };
  await engine.command({ ...request, commands }, principal);
  return request;
}

for (const [name, makeSubject] of Object.entries(subjects)) {
  describe(`AuditReader on ${name}`, () => {
    // PGlite takes seconds to start on a loaded machine: start it outside the tests' own timeouts.
    beforeAll(async () => {
      if (name === "memory") return;
      pglite ??= createPgliteClient();
      await pglite;
    }, 120_000);
    it("lists aggregates of one service and realm by id prefix, in id order, a page at a time", async () => {
      const { store, audit } = await makeSubject();
      const engine = createEngine({ services: bankServices, store });
      for (const id of ["b-2", "a-1", "b-1", "b-3"]) await send(engine, [open(id)]);
      await send(engine, [deposit("b-1", 5)]);
      await send(engine, [open("b-9")], {}, { ...clerk, realm: "elsewhere" });

      const first = await audit.listAggregates({ realm: "default", service: "accounts", idPrefix: "b-", limit: 2 });
      expect(first.items.map((item) => [item.aggregateId, item.version])).toEqual([
        ["b-1", 2],
        ["b-2", 1],
      ]);
      expect(first.items[0]?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      const second = await audit.listAggregates({
        realm: "default",
        service: "accounts",
        idPrefix: "b-",
        after: first.nextCursor,
        limit: 2,
      });
      expect(second.items.map((item) => item.aggregateId)).toEqual(["b-3"]);
      expect(second.nextCursor).toBeUndefined();
      expect((await audit.listAggregates({ realm: "default", service: "transfers", limit: 10 })).items).toEqual([]);
      // Prefix characters that are wildcards in SQL LIKE match only themselves.
      expect((await audit.listAggregates({ realm: "default", service: "accounts", idPrefix: "_", limit: 10 })).items).toEqual([]);
    });

    it("searches the request log newest first, by request or interaction id, with outcomes", async () => {
      const { store, audit } = await makeSubject();
      const engine = createEngine({ services: bankServices, store });
      const interactionId = crypto.randomUUID();
      const opened = await send(engine, [open("a-1")], { interactionId });
      const rejected = await send(engine, [{ command: "Withdraw", aggregateId: "a-1", attributes: { amount: 9 } }], { interactionId });
      await send(engine, [deposit("a-1", 1)]);

      const all = await audit.searchRequests({ realm: "default", limit: 2 });
      expect(all.items).toHaveLength(2);
      expect(all.items[1]?.requestId).toBe(rejected.requestId);
      const older = await audit.searchRequests({ realm: "default", before: all.nextCursor, limit: 2 });
      expect(older.items.map((item) => item.requestId)).toEqual([opened.requestId]);
      expect(older.nextCursor).toBeUndefined();

      const byInteraction = await audit.searchRequests({ realm: "default", interactionId, limit: 10 });
      expect(byInteraction.items.map((item) => item.requestId)).toEqual([rejected.requestId, opened.requestId]);
      const [entry] = (await audit.searchRequests({ realm: "default", requestId: rejected.requestId, limit: 10 })).items;
      expect(entry?.outcome).toMatchObject({ status: 422, errorCode: "insufficient-funds" });
      expect(entry?.breadcrumbs).toEqual([0]);
      expect(entry?.kind).toBe("command");
      expect((await audit.searchRequests({ realm: "elsewhere", limit: 10 })).items).toEqual([]);
    });

    it("names the aggregates a request changed, through its effects too", async () => {
      const { store, audit } = await makeSubject();
      const engine = createEngine({ services: bankServices, store });
      await send(engine, [open("a-1"), open("a-2"), deposit("a-1", 50)]);
      const transfer = await send(engine, [
        { command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 20 } },
      ]);
      await createOutboxRelay(engine).drain();

      const touched = await audit.aggregatesTouched("default", [transfer.requestId]);
      const summary = touched.map(
        (entry) => `${entry.breadcrumbs.join(".")} ${entry.service}/${entry.aggregateId} ${entry.sequences.join(",")}`,
      );
      expect(summary).toEqual([
        "0 transfers/t-1 1",
        "0.0 accounts/a-1 3",
        "0.0.0 transfers/t-1 2",
        "0.0.0.0 accounts/a-2 2",
        "0.0.0.0.0 transfers/t-1 3",
      ]);
      expect(touched.map((entry) => entry.types)).toEqual([
        ["TransferRequested"],
        ["Withdrawn"],
        ["TransferDebited"],
        ["Deposited"],
        ["TransferCompleted"],
      ]);
      expect(await audit.aggregatesTouched("elsewhere", [transfer.requestId])).toEqual([]);
      expect(await audit.aggregatesTouched("default", [])).toEqual([]);
    });

    it("lists what one principal initiated: the requests it sent and every event written on its behalf, newest first, paged", async () => {
      const { store, audit } = await makeSubject();
      const engine = createEngine({ services: bankServices, store });
      const opened = await send(engine, [open("a-1"), open("a-2"), deposit("a-1", 50)]);
      await send(engine, [open("b-1")], {}, { ...clerk, id: "bob" });
      const transfer = await send(engine, [
        { command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 20 } },
      ]);
      await createOutboxRelay(engine).drain();
      await send(engine, [open("c-1")], {}, { ...clerk, realm: "elsewhere" });

      const requests = await audit.requestsBy({ realm: "default", principal: "clara", limit: 10 });
      expect(requests.items.map((request) => request.requestId)).toEqual([transfer.requestId, opened.requestId]);
      expect(requests.items.every((request) => request.principal?.id === "clara")).toBe(true);
      expect(requests.nextCursor).toBeUndefined();

      // The transfer's effects ran as the system, on clara's behalf: their events name her as initiator.
      const all: string[] = [];
      let before: string | undefined;
      do {
        const page = await audit.eventsInitiatedBy({ realm: "default", principal: "clara", limit: 3, ...(before ? { before } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        all.push(
          ...page.items.map((event) => `${event.service}/${event.aggregateId} #${event.sequence} ${event.type} by ${event.meta.actor}`),
        );
        before = page.nextCursor;
      } while (before !== undefined);
      expect(all).toEqual([
        "transfers/t-1 #3 TransferCompleted by system:effects/accounts",
        "accounts/a-2 #2 Deposited by system:effects/transfers",
        "transfers/t-1 #2 TransferDebited by system:effects/accounts",
        "accounts/a-1 #3 Withdrawn by system:effects/transfers",
        "transfers/t-1 #1 TransferRequested by clara",
        "accounts/a-1 #2 Deposited by clara",
        "accounts/a-2 #1 AccountOpened by clara",
        "accounts/a-1 #1 AccountOpened by clara",
      ]);
      const bob = await audit.eventsInitiatedBy({ realm: "default", principal: "bob", limit: 10 });
      expect(bob.items.map((event) => event.aggregateId)).toEqual(["b-1"]);
      expect((await audit.requestsBy({ realm: "elsewhere", principal: "bob", limit: 10 })).items).toEqual([]);
      expect(
        (await audit.eventsInitiatedBy({ realm: "elsewhere", principal: "clara", limit: 10 })).items.map((e) => e.aggregateId),
      ).toEqual(["c-1"]);
    });
  });
}
