import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditStatements, sqlAuditReader } from "../adapters/sql/audit.js";
import type { QueryOptions, SqlClient } from "../adapters/sql/client.js";
import { createPostgresClient } from "../adapters/sql/drivers/postgres.js";
import { importerStatements } from "../adapters/sql/importer.js";
import { migrate } from "../adapters/sql/migrations.js";
import { tablesIn } from "../adapters/sql/schema.js";
import { SqlStore } from "../adapters/sql/store.js";
import { anonymousPrincipal, createEngine, type Engine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { commandRequest } from "./support/requests.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

/** The two statements every command runs: the request-log insert with its pre-read, and the group commit. */
const statements = { logAndRead: "WITH inserted AS", groupCommit: "WITH u AS" } as const;
type Statement = keyof typeof statements;

/**
 * Aggregates seeded beside the test's own: enough that an index lookup beats a scan of snapshots or events
 * for one row, few enough that a plan guessing 10 rows per unnest(array) scans them instead.
 */
const seeded = 500;

describePostgres("the big statements keep a generic plan (PostgreSQL)", () => {
  const schema = testSchema();
  const t = tablesIn(schema);
  const texts = new Map<Statement, string>();
  /** The other statements that close a request-log row: the transaction commit's and the outcome batch's. */
  const requestLogUpdates = new Set<string>();
  /** Every statement the store ran as a prepared statement (not planned on each run). */
  const prepared = new Set<string>();
  let client: SqlClient;
  let store: SqlStore;
  let engine: Engine;

  beforeAll(async () => {
    // One connection: pg_prepared_statements shows the statements of the session that asks.
    const pool = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    await migrate(pool, schema);
    await pool.query(
      `INSERT INTO ${t.snapshots} (realm, service, aggregate_id, version, state, event_hash, updated_at)
       SELECT 'seed', 'accounts', 'a' || i, 1, '{}', 'h', now() FROM generate_series(1, $1::int) AS i`,
      [seeded],
    );
    await pool.query(
      `INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, data, meta, "time", hash)
       SELECT 'seed', 'accounts', 'a' || i, 1, 'Opened', '{}', '{}', now(), 'h' FROM generate_series(1, $1::int) AS i`,
      [seeded],
    );
    await pool.query(`ANALYZE ${t.snapshots}`);
    await pool.query(`ANALYZE ${t.events}`);
    const remember = (sql: string, options?: QueryOptions) => {
      if (options?.planEachRun !== true) prepared.add(sql);
      for (const [name, prefix] of Object.entries(statements)) if (sql.startsWith(prefix)) texts.set(name as Statement, sql);
      if (/^UPDATE \S+\."request_log"/.test(sql)) requestLogUpdates.add(sql);
    };
    client = {
      ...pool,
      async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Row[]> {
        remember(sql, options);
        return pool.query<Row>(sql, params, options);
      },
      transaction: (work) =>
        pool.transaction((tx) =>
          work({
            query: (sql, params, options) => {
              remember(sql, options);
              return tx.query(sql, params, options);
            },
          }),
        ),
    };
    store = new SqlStore(client, { schema });
    engine = createEngine({ services: bankServices, store });
    const opened = await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "plans", attributes: { owner: "plans@example.com" } }),
      anonymousPrincipal,
    );
    expect(opened.status).toBe(200);
    const other = await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "plans-2", attributes: { owner: "plans2@example.com" } }),
      anonymousPrincipal,
    );
    expect(other.status).toBe(200);
    // Two aggregates take the transaction commit; sending it again is a replay, whose outcome is its own write.
    const both = commandRequest([
      { command: "Deposit", aggregateId: "plans", attributes: { amount: 1 } },
      { command: "Deposit", aggregateId: "plans-2", attributes: { amount: 1 } },
    ]);
    expect((await engine.command(both, anonymousPrincipal)).status).toBe(200);
    expect((await engine.command(both, anonymousPrincipal)).status).toBe(200);
  });

  afterAll(async () => {
    await store?.close();
    await dropSchemas([schema]);
  });

  it("after its custom runs, PostgreSQL settles on the generic plan of each statement by itself", async () => {
    // Postgres plans the first five runs for their values, then compares the generic plan's cost with theirs.
    for (let i = 0; i < 10; i++) {
      const deposit = await engine.command(
        commandRequest({ command: "Deposit", aggregateId: "plans", attributes: { amount: 1 } }),
        anonymousPrincipal,
      );
      expect(deposit.status).toBe(200);
    }
    const prepared = await client.query<{ statement: string; generic_plans: string; custom_plans: string }>(
      "SELECT statement, generic_plans::text, custom_plans::text FROM pg_prepared_statements",
    );
    for (const name of Object.keys(statements) as Statement[]) {
      const row = prepared.find((p) => p.statement === texts.get(name));
      expect(row, name).toBeDefined();
      expect(Number(row?.generic_plans), `${name}: generic plans (custom: ${row?.custom_plans})`).toBeGreaterThan(0);
    }
  });

  it("the replay lookup and the audit reads are planned for their values on every run, never kept prepared", async () => {
    const audit = sqlAuditReader(client, { schema });
    const [logged] = (await audit.searchRequests({ realm: anonymousPrincipal.realm, limit: 1 })).items;
    expect(logged).toBeDefined();
    await audit.searchRequests({ realm: anonymousPrincipal.realm, requestId: logged?.requestId as string, limit: 5 });
    await audit.aggregatesTouched(anonymousPrincipal.realm, [logged?.requestId as string]);
    const prepared = (await client.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).map((p) => p.statement);
    // The replay in beforeAll looked its answer up; a prepared lookup would keep a plan made while `responses` was tiny.
    expect(prepared.some((text) => text.includes(`FROM ${t.responses} WHERE realm = $1 AND idempotency_key = $2`))).toBe(false);
    for (const text of Object.values(auditStatements(t))) expect(prepared).not.toContain(text);
    expect(prepared.length).toBeGreaterThan(0);
  });

  it("the generic plan of each statement reads snapshots and events through their indexes only", async () => {
    const session = await genericPlanSession();
    try {
      for (const name of Object.keys(statements) as Statement[]) {
        const text = texts.get(name);
        expect(text, name).toBeDefined();
        const plan = await genericPlan(session, name, text ?? "");
        expect(plan, `${name}\n${plan}`).not.toMatch(/Seq Scan on (snapshots|events)\b/);
        expect(plan, `${name}\n${plan}`).toMatch(/Index (Only )?Scan (Backward )?using \w+ on snapshots\b/);
        expect(plan, `${name}\n${plan}`).toMatch(/Index (Only )?Scan (Backward )?using \w+ on events\b/);
        // The request log's row is found by its id: a plan through a (realm, …) index walks the realm's whole log.
        expectRequestLogById(plan, name);
      }
      expect(requestLogUpdates.size).toBe(2);
      for (const [i, text] of [...requestLogUpdates].entries()) expectRequestLogById(await genericPlan(session, `close_${i}`, text), text);
    } finally {
      await session.end();
    }
  });

  it("every statement the store keeps prepared reaches the big tables through an index under a generic plan", async () => {
    // More of what a running service does: a rejection, a query, the feed, loads, the outbox.
    const rejected = await engine.command(
      commandRequest({ command: "Withdraw", aggregateId: "plans", attributes: { amount: 1_000_000 } }),
      anonymousPrincipal,
    );
    expect(rejected.status).toBeGreaterThanOrEqual(400);
    const found = await engine.query(
      {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        query: { query: "FindAccountByOwner", attributes: { owner: "plans@example.com" } },
      },
      anonymousPrincipal,
    );
    expect(found.status).toBe(200);
    const realm = anonymousPrincipal.realm;
    const page = await store.readFeed(realm, undefined, 2);
    await store.readFeed(realm, page.checkpoint, 100);
    const ref = { realm, service: "accounts", aggregateId: "plans" };
    await store.loadSnapshot(ref);
    await store.readAggregateEvents(ref, 1);
    await store.claimOutbox(10, 1000);
    const session = await genericPlanSession();
    try {
      // A scan of a big table, or a walk of a realm through an index whose other column the statement does not give.
      const walks: string[] = [];
      let checked = 0;
      for (const [i, text] of [...prepared].entries()) {
        if (!/\$\d/.test(text) || text.includes("pg_prepared_statements")) continue;
        const plan = await genericPlan(session, `any_${i}`, text);
        checked++;
        if (/Seq Scan on (events|request_log|responses|snapshots|outbox)\b|using (request_log_principal|events_initiator) /.test(plan)) {
          walks.push(`${text}\n${plan}`);
        }
      }
      expect(walks).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(12);
    } finally {
      await session.end();
    }
  });
});

describePostgres("the importer's checks take each key through its index (PostgreSQL)", () => {
  // The realm an import writes grows inside its one transaction: a check that read the realm as a whole
  // (a hashed subplan, an index scan on realm alone, a sequential scan) made each batch slower than the last.
  const schema = testSchema();
  const t = tablesIn(schema);
  const checks = (({ nonEmpty, claimed }) => ({ nonEmpty, claimed }))(importerStatements(t));

  beforeAll(async () => {
    const pool = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    await migrate(pool, schema);
    await pool.close();
  });
  afterAll(() => dropSchemas([schema]));

  /** Every scan of a table the checks read, with its index condition (if any). */
  const realmWalks = (plan: string) =>
    plan.includes("hashed SubPlan") ||
    /Seq Scan on (events|snapshots|identities)\b/.test(plan) ||
    [...plan.matchAll(/Index Cond: \(realm = \$1\)/g)].length > 0;

  it.each([
    ["empty tables", 0],
    ["tables holding 2,000 keys of the realm", 2000],
  ])("under a generic plan on %s", async (_label, keys) => {
    const session = await genericPlanSession();
    try {
      if (keys > 0) {
        const seed = (table: string, columns: string, values: string) =>
          session.query(`INSERT INTO ${table} ${columns} SELECT ${values} FROM generate_series(1, $1::int) AS i`, [keys]);
        await seed(
          t.snapshots,
          "(realm, service, aggregate_id, version, state, event_hash, updated_at)",
          "'r', 'accounts', 'a' || i, 1, '{}', 'h', now()",
        );
        await seed(
          t.events,
          '(realm, service, aggregate_id, sequence, type, data, meta, "time", hash)',
          "'r', 'accounts', 'a' || i, 1, 'Opened', '{}', '{}', now(), 'h'",
        );
        await seed(t.identities, "(realm, service, name, aggregate_id)", "'r', 'accounts', 'n' || i, 'a' || i");
        for (const table of [t.snapshots, t.events, t.identities]) await session.query(`ANALYZE ${table}`);
      }
      for (const [name, text] of Object.entries(checks)) {
        const plan = await genericPlan(session, `${name}_${keys}`, text);
        expect(realmWalks(plan), `${name}\n${plan}`).toBe(false);
        expect(plan, `${name}\n${plan}`).toMatch(/Index (Only )?Scan using (snapshots_pkey|identities_pkey) /);
      }
    } finally {
      await session.end();
    }
  });
});

/** The request log's rows are found by id: a plan through a (realm, …) index walks the realm's whole log. */
function expectRequestLogById(plan: string, statement: string): void {
  const scans = [...plan.matchAll(/Scan (?:Backward )?(?:using (\w+) )?on request_log\b/g)];
  for (const scan of scans) expect(scan[1], `${statement}\n${plan}`).toBe("request_log_pkey");
}

/** A session whose prepared statements always take their generic plan: PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN). */
async function genericPlanSession(): Promise<pg.Client> {
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  await session.query("SET plan_cache_mode = force_generic_plan");
  return session;
}

/** The generic plan of `text` (which takes parameters), prepared in `session` as `name` and explained with each one NULL. */
async function genericPlan(session: pg.Client, name: string, text: string): Promise<string> {
  const parameters = Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  await session.query(`PREPARE ${name} AS ${text}`);
  const { rows } = await session.query(`EXPLAIN EXECUTE ${name}(${Array(parameters).fill("NULL").join(", ")})`);
  return rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
}
