import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteClient } from "../adapters/pglite/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { createPostgresClient } from "../adapters/sql/drivers/postgres.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { EventMeta } from "../core/model/events.js";
import { type AggregateChange, type CommittedEvents, ConcurrencyError, type UnitOfWork } from "../core/ports/store.js";
import { requestLogEntry } from "./support/requests.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

/** One group statement as the database saw it: the idempotency keys of its units, and whether it failed. */
interface GroupStatement {
  readonly keys: readonly string[];
  failed: boolean;
}

/** A client that records every group-commit statement (the one statement that writes many units' responses). */
function recording(client: SqlClient): { client: SqlClient; groups: GroupStatement[] } {
  const groups: GroupStatement[] = [];
  return {
    groups,
    client: {
      ...client,
      async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
        if (!sql.startsWith("WITH u AS")) return client.query<Row>(sql, params);
        const group: GroupStatement = {
          keys: (JSON.parse(params[0] as string) as { idempotency_key: string }[]).map((u) => u.idempotency_key),
          failed: false,
        };
        groups.push(group);
        try {
          return await client.query<Row>(sql, params);
        } catch (error) {
          group.failed = true;
          throw error;
        }
      },
      close: async () => {},
    },
  };
}

const time = "2026-03-04T05:06:07.890Z";
const meta: EventMeta = {
  requestId: "00000000-0000-4000-8000-000000000001",
  interactionId: "00000000-0000-4000-8000-000000000002",
  invocationId: "inv",
  breadcrumbs: [0],
  user: "tester",
  command: "Test",
};

function change(aggregateId: string, expectedVersion: number, events = 1): AggregateChange {
  const version = expectedVersion + events;
  return {
    service: "accounts",
    aggregateId,
    expectedVersion,
    events: Array.from({ length: events }, (_, i) => ({ type: "Deposited", data: { amount: expectedVersion + i + 1 } })),
    meta,
    snapshot: { state: { version }, version },
  };
}

function unit(realm: string, key: string, changes: AggregateChange[], extra: Partial<UnitOfWork> = {}): UnitOfWork {
  return { realm, idempotencyKey: key, changes, identities: [], effects: [], response: { status: 200, body: { key } }, time, ...extra };
}

/** Commits every unit at once (all pushed in the same tick) and settles each. */
function commitAll(store: SqlStore, units: readonly UnitOfWork[]): Promise<PromiseSettledResult<CommittedEvents>[]> {
  return Promise.allSettled(units.map((u) => store.commit(u)));
}

/** Two units pushed ahead of a batch: they join it (one turn of the event loop is one batch) or, if a statement is in flight, go first. */
const leaders = (realm: string) => [unit(realm, "leader-1", []), unit(realm, "leader-2", [])];

const keysOf = (units: readonly UnitOfWork[]) => units.map((u) => u.idempotencyKey);

/** The statements that carried any of `units` (the leaders may or may not have joined their batch). */
function statementsOf(groups: readonly GroupStatement[], units: readonly UnitOfWork[]): GroupStatement[] {
  const keys = new Set(keysOf(units));
  return groups
    .filter((g) => g.keys.some((key) => keys.has(key)))
    .map((g) => ({ keys: g.keys.filter((key) => keys.has(key)), failed: g.failed }));
}
const ref = (realm: string, aggregateId: string) => ({ realm, service: "accounts", aggregateId });

function describeGroupCommit(name: string, open: () => Promise<SqlClient>) {
  describe(`group commit (${name})`, () => {
    // Starting PGlite takes seconds on a loaded machine: once, before the tests' own timeouts start.
    beforeAll(async () => {
      await open();
    }, 120_000);

    async function fresh() {
      const { client, groups } = recording(await open());
      const store = new SqlStore(client, { schema: await schemaFor(client) });
      return { store, client, groups };
    }

    let schemas = 0;
    async function schemaFor(client: SqlClient): Promise<string> {
      const schema = `${name === "pglite" ? "group" : testSchema()}_${++schemas}`;
      await migrate(client, schema);
      created.push(schema);
      return schema;
    }

    it("writes concurrent units in one statement, each with its own events, positions, snapshot and response", async () => {
      const { store, groups } = await fresh();
      const batch = [...Array.from({ length: 6 }, (_, i) => unit("r1", `k${i}`, [change(`a${i}`, 0, 2)])), unit("r1", "refused", [])];
      const results = await commitAll(store, [...leaders("r1"), ...batch]);
      expect(results.map((r) => r.status)).toEqual(Array(9).fill("fulfilled"));
      expect(statementsOf(groups, batch)).toEqual([{ keys: keysOf(batch), failed: false }]);
      expect(groups.length).toBeLessThanOrEqual(3);
      const feed = await store.readFeed("r1", undefined, 100);
      const committed = results.flatMap((r) => (r.status === "fulfilled" ? r.value.events : []));
      expect(committed.map((e) => [e.aggregateId, e.sequence, e.position])).toEqual(
        feed.events.map((e) => [e.aggregateId, e.sequence, e.position]),
      );
      for (let i = 0; i < 6; i++) {
        expect(await store.loadSnapshot(ref("r1", `a${i}`))).toEqual({ state: { version: 2 }, version: 2 });
        expect((await store.findResponse("r1", `k${i}`))?.body).toEqual({ key: `k${i}` });
      }
      expect((await store.findResponse("r1", "refused"))?.body).toEqual({ key: "refused" });
    });

    it("fails a stale unit alone: the others of its statement commit", async () => {
      const { store, client, groups } = await fresh();
      await commitAll(
        store,
        ["x", "y", "z"].map((id) => unit("r1", `open-${id}`, [change(id, 0)])),
      );
      // Another process moves x on; this store still knows x at version 1, so its stale unit takes the group statement.
      const other = new SqlStore(client, { schema: store.schema });
      await other.commit(unit("r1", "other-x", [change("x", 1)]));
      const batch = [
        unit("r1", "stale-x", [change("x", 1)]),
        unit("r1", "fresh-y", [change("y", 1)]),
        unit("r1", "fresh-z", [change("z", 1)]),
      ];
      groups.length = 0;
      const [, , stale, y, z] = await commitAll(store, [...leaders("r1"), ...batch]);
      expect(stale?.status === "rejected" && stale.reason).toBeInstanceOf(ConcurrencyError);
      expect([y?.status, z?.status]).toEqual(["fulfilled", "fulfilled"]);
      expect(statementsOf(groups, batch)).toEqual([{ keys: keysOf(batch), failed: false }]);
      expect(await store.findResponse("r1", "stale-x")).toBeUndefined();
      expect((await store.readAggregateEvents(ref("r1", "x"))).map((e) => e.meta.requestId)).toHaveLength(2);
      expect((await store.loadSnapshot(ref("r1", "y")))?.version).toBe(2);
    });

    it("commits the first of two units on one aggregate in a statement and refuses the second, without retrying the rest", async () => {
      const { store, groups } = await fresh();
      const batch = [
        unit("r1", "first", [change("same", 0)]),
        unit("r1", "other", [change("else", 0)]),
        unit("r1", "second", [change("same", 0, 3)]),
      ];
      const [, , first, other, second] = await commitAll(store, [...leaders("r1"), ...batch]);
      expect([first?.status, other?.status]).toEqual(["fulfilled", "fulfilled"]);
      expect(second?.status === "rejected" && second.reason).toBeInstanceOf(ConcurrencyError);
      expect(statementsOf(groups, batch)).toEqual([{ keys: keysOf(batch), failed: false }]);
      expect(groups.some((g) => g.failed)).toBe(false);
      expect(await store.loadSnapshot(ref("r1", "same"))).toEqual({ state: { version: 1 }, version: 1 });
      expect(await store.findResponse("r1", "second")).toBeUndefined();
    });

    it("a unique-key violation in one unit fails only that unit: the statement is retried unit by unit", async () => {
      const { store, groups } = await fresh();
      await store.commit(unit("r1", "answered", []));
      const batch = [unit("r1", "ok-1", [change("p", 0)]), unit("r1", "answered", [change("q", 0)]), unit("r1", "ok-2", [change("r", 0)])];
      groups.length = 0;
      const [, , ok1, answered, ok2] = await commitAll(store, [...leaders("r1"), ...batch]);
      expect([ok1?.status, ok2?.status]).toEqual(["fulfilled", "fulfilled"]);
      expect(answered?.status === "rejected" && answered.reason).toBeInstanceOf(ConcurrencyError);
      expect(statementsOf(groups, batch)).toEqual([
        { keys: keysOf(batch), failed: true },
        ...batch.map((u) => ({ keys: [u.idempotencyKey], failed: u.idempotencyKey === "answered" })),
      ]);
      expect(await store.readAggregateEvents(ref("r1", "q"))).toEqual([]);
      expect((await store.readAggregateEvents(ref("r1", "p"))).map((e) => e.sequence)).toEqual([1]);
    });

    it("keeps each unit's realm on its rows, writes its outbox and closes its own request-log entry", async () => {
      const { store, groups } = await fresh();
      const logIds = await Promise.all(["r1", "r2"].map((realm) => store.logRequest(requestLogEntry(realm))));
      const effect = (n: number) => ({
        targetService: "ledger",
        aggregateId: `l${n}`,
        request: { requestId: `req-${n}`, interactionId: "i", commands: [{ command: "Go", aggregateId: `l${n}` }] },
      });
      const outcome = (status: number) => ({ status, errorCode: status === 200 ? undefined : "rejected", finishedAt: time });
      const batch = [
        unit("r1", "same-key", [change("shared", 0)], {
          effects: [effect(1), effect(2)],
          requestLog: { logId: logIds[0] as string, outcome: outcome(200) },
        }),
        unit("r2", "same-key", [change("shared", 0, 2)], {
          effects: [effect(3)],
          requestLog: { logId: logIds[1] as string, outcome: outcome(422) },
        }),
      ];
      const results = await commitAll(store, [...leaders("r0"), ...batch]);
      expect(results.map((r) => r.status)).toEqual(Array(4).fill("fulfilled"));
      expect(statementsOf(groups, batch)).toEqual([{ keys: keysOf(batch), failed: false }]);
      expect((await store.readAggregateEvents(ref("r1", "shared"))).map((e) => e.realm)).toEqual(["r1"]);
      expect((await store.readAggregateEvents(ref("r2", "shared"))).map((e) => e.realm)).toEqual(["r2", "r2"]);
      const outbox = await store.claimOutbox(10, 60_000);
      expect(outbox.map((o) => [o.realm, o.aggregateId])).toEqual([
        ["r1", "l1"],
        ["r1", "l2"],
        ["r2", "l3"],
      ]);
      const [logged1] = await store.requestLog("r1");
      const [logged2] = await store.requestLog("r2");
      expect(logged1?.outcome).toMatchObject({ status: 200 });
      expect(logged2?.outcome).toMatchObject({ status: 422, errorCode: "rejected" });
    });
  });
}

const created: string[] = [];

/** Resolves once a group statement on `schema` waits for a row lock (polled: the wait is the database's state, not a timer). */
async function waitForLockWait(admin: pg.Client, schema: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { rows } = await admin.query(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH u AS%' AND position($1 in query) > 0",
      [schema],
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the group statement never waited for the lock");
}
let pglite: Promise<SqlClient> | undefined;
describeGroupCommit("pglite", () => (pglite ??= createPgliteClient()));

let postgres: SqlClient | undefined;
describePostgres("group commit on PostgreSQL", () => {
  describeGroupCommit("postgres", async () => (postgres ??= createPostgresClient({ connectionString: databaseUrl, poolSize: 4 })));

  it("a statement that waited for a head another writer held checks that writer's version: its stale unit fails alone", async () => {
    postgres ??= createPostgresClient({ connectionString: databaseUrl, poolSize: 4 });
    const schema = testSchema();
    created.push(schema);
    await migrate(postgres, schema);
    const { client, groups } = recording(postgres);
    const store = new SqlStore(client, { schema });
    await Promise.all(["x", "y"].map((id) => store.commit(unit("r1", `open-${id}`, [change(id, 0)]))));
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      // Another writer holds x's head, as a transaction commit does between its lock and its COMMIT.
      await holder.query("BEGIN");
      await holder.query(`SELECT version FROM "${schema}".snapshots WHERE realm = 'r1' AND aggregate_id = 'x' FOR UPDATE`);
      const late = [unit("r1", "late-x", [change("x", 1)]), unit("r1", "late-y", [change("y", 1)])];
      const batch = commitAll(store, [...leaders("r1"), ...late]);
      await waitForLockWait(holder, schema);
      await holder.query(`UPDATE "${schema}".snapshots SET version = 2 WHERE realm = 'r1' AND aggregate_id = 'x'`);
      await holder.query("COMMIT");
      const [, , x, y] = await batch;
      expect(statementsOf(groups, late)).toEqual([{ keys: keysOf(late), failed: false }]);
      expect(x?.status === "rejected" && x.reason).toBeInstanceOf(ConcurrencyError);
      expect(y?.status).toBe("fulfilled");
      expect(await store.findResponse("r1", "late-x")).toBeUndefined();
      expect((await store.readAggregateEvents(ref("r1", "x"))).map((e) => e.sequence)).toEqual([1]);
      expect((await store.readAggregateEvents(ref("r1", "y"))).map((e) => e.sequence)).toEqual([1, 2]);
    } finally {
      await holder.end();
    }
  });
  afterAll(async () => {
    await postgres?.close();
    await dropSchemas(created.filter((schema) => schema.startsWith("edd_test_")));
  });
});
