import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { memoryBackend } from "../adapters/memory/backend.js";
import { memoryImporter } from "../adapters/memory/importer.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { eventHash, verifyChain } from "../adapters/sql/hash.js";
import { migrate } from "../adapters/sql/migrations.js";
import { anonymousPrincipal, createEngine, EventReadError, type Service } from "../core/index.js";
import { evolveAll } from "../core/pipeline/dispatch/aggregate.js";
import { checkHistory } from "../core/pipeline/operations/check-history.js";
import { exportRealm } from "../core/pipeline/operations/export.js";
import { importRealm } from "../core/pipeline/operations/import.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { feedAggregateLister, verifyRealm } from "../core/pipeline/operations/verify.js";
import type { Store } from "../core/ports/store.js";
import { checkHistoryCommand } from "../runtimes/cli/check-history.js";
import type { CliContext } from "../runtimes/cli/context.js";
import { SqlStore } from "../adapters/sql/store.js";
import { readFeedUntil } from "../contracts/store.js";
import { release1, release2, strict, strictSummary, summary } from "./support/evolving-ledger.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const realm = anonymousPrincipal.realm;
const noIdentities = { async *listIdentities() {} };

async function send(services: readonly Service[], store: Store, command: string, aggregateId: string, attributes: object) {
  const engine = createEngine({ services, store });
  const request = { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ command, aggregateId, attributes }] };
  const result = await engine.command(request, anonymousPrincipal);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
}

/** Release 1 writes two accounts; release 2, deployed over the same store, adds a deposit in its own form. */
async function history(store: Store): Promise<void> {
  await send([release1], store, "Open", "acc-1", { owner: "ana" });
  await send([release1], store, "Deposit", "acc-1", { cents: 500 });
  await send([release1], store, "Open", "acc-2", { owner: "bo" });
  await send([release1], store, "Deposit", "acc-2", { cents: 200 });
  await send([release2], store, "Deposit", "acc-1", { amount: 300, currency: "USD" });
}

async function exportLines(store: Store): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of exportRealm({ store, identities: noIdentities, realm })) lines.push(line);
  return lines;
}

function describeEvolution(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>) {
  describe(`an event type evolved across two versions: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const views = new MemoryViewStore();

    beforeAll(async () => {
      ({ store, close } = await open());
      await history(store);
      // PostgreSQL shows a commit in the feed once older transactions end: wait for all five.
      await readFeedUntil(store, realm, 5, 100);
      await createProjector({ store, views, checkpoints: new MemoryCheckpointStore(), projection: summary, realm }).drain();
    }, 60_000);
    afterAll(() => close());

    it("keeps each event in the form it was stored: old name and version 1 beside version 2", async () => {
      const events = await store.readAggregateEvents({ realm, service: "ledger", aggregateId: "acc-1" });
      expect(events.map((e) => [e.type, e.schemaVersion ?? 1, e.data])).toEqual([
        ["Opened", 1, { owner: "ana" }],
        ["MoneyIn", 1, { cents: 500 }],
        ["Deposited", 2, { amount: 300, currency: "USD" }],
      ]);
      // Hashes are over the stored form, so the chain holds whatever the code reads it as.
      expect(verifyChain(events)).toBeUndefined();
    });

    it("gives aggregates, queries, projections and verify one answer", async () => {
      const engine = createEngine({ services: [release2], store });
      const query = { query: { query: "Balance", attributes: { id: "acc-1" } } };
      expect((await engine.query(query, anonymousPrincipal)).body).toMatchObject({ result: 800 });
      const events = await store.readAggregateEvents({ realm, service: "ledger", aggregateId: "acc-1" });
      const replayed = evolveAll(release2 as unknown as Service, release2.initialState(), events);
      expect(replayed).toEqual({ owner: "ana", balance: 800, deposits: 2 });
      expect((await store.loadSnapshot({ realm, service: "ledger", aggregateId: "acc-1" }))?.state).toEqual(replayed);
      expect((await views.get(realm, summary.view, "acc-1"))?.data).toEqual({ owner: "ana", balance: 800, currencies: ["EUR", "USD"] });
      expect((await views.get(realm, summary.view, "acc-2"))?.data).toEqual({ owner: "bo", balance: 200, currencies: ["EUR"] });

      const report = await verifyRealm({
        store,
        services: [release2],
        listAggregates: feedAggregateLister(store),
        checkChain: verifyChain,
        views,
        projections: [summary],
        realm,
      });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ aggregates: 2, events: 5 });
    });

    it("check-history reads every event; a schema that refuses an old one names it by aggregate, sequence and position", async () => {
      expect(await checkHistory({ store, services: [release2], realm })).toMatchObject({ events: 5, failed: 0, problems: [] });
      const old = (await store.readAggregateEvents({ realm, service: "ledger", aggregateId: "acc-1" }))[1];
      const report = await checkHistory({ store, services: [strict], realm });
      expect(report).toMatchObject({ events: 5, failed: 1 });
      expect(report.problems).toEqual([
        {
          service: "ledger",
          aggregateId: "acc-1",
          sequence: 2,
          position: old?.position,
          type: "MoneyIn",
          schemaVersion: 1,
          path: "data.amount",
          reason: expect.stringContaining("does not fit the current Deposited schema (upcast to version 2)"),
        },
      ]);
    });

    it("never folds an event that does not fit: verify, projections and the aggregate all say which one", async () => {
      const report = await verifyRealm({
        store,
        services: [strict],
        listAggregates: feedAggregateLister(store),
        checkChain: verifyChain,
        realm,
      });
      expect(report.problems).toEqual([
        {
          kind: "replay-failed",
          service: "ledger",
          aggregateId: "acc-1",
          reason: expect.stringMatching(/acc-1 sequence 2 .*data\.amount/),
        },
      ]);
      const projector = createProjector({
        store,
        views: new MemoryViewStore(),
        checkpoints: new MemoryCheckpointStore(),
        projection: strictSummary,
        realm,
      });
      await expect(projector.drain()).rejects.toBeInstanceOf(EventReadError);
      const events = await store.readAggregateEvents({ realm, service: "ledger", aggregateId: "acc-1" });
      expect(() => evolveAll(strict as unknown as Service, strict.initialState(), events)).toThrow(
        /realm default, ledger\/acc-1 sequence 2/,
      );
    });

    it("exports the stored form and imports it elsewhere, where verify passes and the export is byte-identical", async () => {
      const lines = await exportLines(store);
      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.kind === "event");
      expect(events.map((e) => [e.type, e.schemaVersion])).toEqual(
        expect.arrayContaining([
          ["MoneyIn", undefined],
          ["Deposited", 2],
        ]),
      );
      const target = new MemoryStore();
      await importRealm({
        open: async function* () {
          yield* lines;
        },
        realm,
        services: [release2],
        importer: memoryImporter(target),
        hashEvent: eventHash,
      });
      expect(await exportLines(target)).toEqual(lines);
      const report = await verifyRealm({
        store: target,
        services: [release2],
        listAggregates: feedAggregateLister(target),
        checkChain: verifyChain,
        realm,
      });
      expect(report.problems).toEqual([]);
      expect((await target.loadSnapshot({ realm, service: "ledger", aggregateId: "acc-1" }))?.state).toMatchObject({ balance: 800 });
    });

    it("edd check-history exits 1 and prints the event when one fails, 0 when all read", async () => {
      const run = async (service: Service) => {
        const out: string[] = [];
        const context: CliContext = {
          config: {
            services: [service],
            // Only the event store matters to check-history: the rest of a memory backend fills the shape.
            openBackend: async () => ({ ...memoryBackend(), store, listAggregates: feedAggregateLister(store), close: async () => {} }),
          },
          env: {},
          out: (line) => out.push(line),
          err: () => {},
          json: false,
        };
        return { code: await checkHistoryCommand(["--realm", realm], context), out };
      };
      const bad = await run(strict as unknown as Service);
      expect(bad.code).toBe(1);
      expect(bad.out[0]).toMatch(/^ledger\/acc-1 sequence 2 \(position \d+\): MoneyIn version 1 at data\.amount: /);
      expect(bad.out.at(-1)).toMatch(/5 events read in \d+ ms: 1 unreadable$/);
      const good = await run(release2 as unknown as Service);
      expect(good.code).toBe(0);
      expect(good.out).toEqual([expect.stringMatching(/every event readable$/)]);
    });
  });
}

describeEvolution("memory", async () => ({ store: new MemoryStore(), close: async () => {} }));

async function sqlStore(client: SqlClient, schema: string) {
  await migrate(client, schema);
  return { store: new SqlStore(client, { schema }), close: () => client.close() };
}

describeEvolution("PGlite", async () => sqlStore(await createPgliteClient(), "edd"));

const schemas: string[] = [];
describePostgres("PostgreSQL", () => {
  describeEvolution("PostgreSQL", async () => {
    const schema = testSchema();
    schemas.push(schema);
    return sqlStore(createPostgresClient({ connectionString: databaseUrl, poolSize: 2 }), schema);
  });
  afterAll(() => dropSchemas(schemas));
});
