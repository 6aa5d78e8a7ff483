import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { anonymousPrincipal, createEngine, type DispatchResult, type Engine, type UnitOfWork } from "../core/index.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { CommitStep } from "../adapters/sql/commit.js";
import { verifyChain } from "../adapters/sql/hash.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { bankServices } from "../examples/bank/services.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const realm = anonymousPrincipal.realm;

function command(name: string, aggregateId: string, attributes: Record<string, unknown>, requestId = randomUUID()) {
  return { requestId, interactionId: randomUUID(), commands: [{ command: name, aggregateId, attributes }] };
}

/** Runs `task` for every item with at most `limit` in flight. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function errorCode(result: DispatchResult): string | undefined {
  return "error" in result.body ? result.body.error.code : undefined;
}

describePostgres("the command pipeline on PostgreSQL under concurrency", () => {
  const schema = testSchema();
  const failAt = new Map<string, CommitStep>();
  let store: SqlStore;
  let engine: Engine;
  let db: pg.Client;

  beforeAll(async () => {
    const beforeStep = (step: CommitStep, unit: UnitOfWork) => {
      if (failAt.get(unit.idempotencyKey) === step) throw new Error(`injected fault before ${step}`);
    };
    store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 8, hooks: { beforeStep } });
    engine = createEngine({ services: bankServices, store });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await store.close();
    await db.end();
    await dropSchemas([schema]);
  });

  const open = async (id: string) => {
    const result = await engine.command(command("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
    expect(result.status).toBe(200);
  };
  const account = async (id: string) => {
    const result = await engine.query({ query: { query: "GetAccount", attributes: { id } } }, anonymousPrincipal);
    return ("result" in result.body ? result.body.result : undefined) as { balance: number; version: number };
  };
  const events = (aggregateId: string, service = "accounts") => store.readAggregateEvents({ realm, service, aggregateId });
  const count = async (table: string, where = "true", params: unknown[] = []) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM "${schema}".${table} WHERE ${where}`, params)).rows[0].n);

  it("1,000 deposits, 50 in flight over 10 accounts: exact balances, sequences without duplicates or gaps", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `acc-${i}`);
    await Promise.all(ids.map(open));
    const deposits = Array.from({ length: 1000 }, (_, i) => ({ id: ids[i % ids.length] as string, amount: (i % 7) + 1 }));
    // A 409 conflict tells the client to resend the same request: it is applied at most once however often it arrives.
    const results = await inParallel(deposits, 50, async (d) => {
      const request = command("Deposit", d.id, { amount: d.amount });
      let result = await engine.command(request, anonymousPrincipal);
      for (let resend = 0; resend < 5 && errorCode(result) === "conflict"; resend++)
        result = await engine.command(request, anonymousPrincipal);
      return result;
    });
    expect(results.filter((r) => r.status !== 200).map(errorCode)).toEqual([]);

    for (const id of ids) {
      const expected = deposits.filter((d) => d.id === id).reduce((sum, d) => sum + d.amount, 0);
      const stored = await events(id);
      expect(stored.map((e) => e.sequence)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
      expect(verifyChain(stored)).toBeUndefined();
      expect(await account(id)).toMatchObject({ balance: expected, version: 101 });
    }
  });

  it("200 concurrent commands on one hot aggregate: each applies or fails with conflict, none is lost", async () => {
    await open("hot");
    const amounts = Array.from({ length: 200 }, (_, i) => i + 1);
    const results = await Promise.all(amounts.map((amount) => engine.command(command("Deposit", "hot", { amount }), anonymousPrincipal)));
    const applied = amounts.filter((_, i) => results[i]?.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    expect(new Set(failed.map(errorCode))).toEqual(new Set(failed.length === 0 ? [] : ["conflict"]));
    expect(applied.length).toBeGreaterThan(0);

    const deposited = (await events("hot")).filter((e) => e.type === "Deposited");
    expect(deposited).toHaveLength(applied.length);
    expect(deposited.map((e) => (e.data as { amount: number }).amount).sort((a, b) => a - b)).toEqual(applied);
    expect((await account("hot")).balance).toBe(applied.reduce((sum, a) => sum + a, 0));
  });

  it("the same request sent 20 times at once stores one set of events and gets one identical answer", async () => {
    await open("dup");
    const request = command("Deposit", "dup", { amount: 7 });
    const results = await Promise.all(Array.from({ length: 20 }, () => engine.command(request, anonymousPrincipal)));
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]?.status).toBe(200);
    expect((await events("dup")).filter((e) => e.meta.requestId === request.requestId)).toHaveLength(1);
    expect((await account("dup")).balance).toBe(7);
    expect(await count("responses", "idempotency_key LIKE $1", [`${request.requestId}:%`])).toBe(1);
  });

  it.each<CommitStep>(["snapshots", "identities", "outbox", "response"])(
    "a fault before the %s write, after the events insert, leaves nothing but the request log entry",
    async (step) => {
      // Opening an account writes events, a snapshot, an identity and a response; a transfer writes an effect.
      await Promise.all([open(`from-${step}`), open(`to-${step}`)]);
      const request =
        step === "outbox"
          ? command("RequestTransfer", `transfer-${step}`, { from: `from-${step}`, to: `to-${step}`, amount: 1 })
          : command("OpenAccount", `faulty-${step}`, { owner: `faulty-${step}@example.com` });
      const aggregateId = request.commands[0]?.aggregateId as string;
      failAt.set(`${request.requestId}:0`, step);
      const outbox = await count("outbox");

      const result = await engine.command(request, anonymousPrincipal);
      expect(result.status).toBe(500);
      expect(errorCode(result)).toBe("internal-error");
      expect(await count("events", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("snapshots", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("identities", "aggregate_id = $1", [aggregateId])).toBe(0);
      expect(await count("responses", "idempotency_key LIKE $1", [`${request.requestId}:%`])).toBe(0);
      expect(await count("outbox")).toBe(outbox);
      const logged = (await store.requestLog(realm)).filter((entry) => entry.requestId === request.requestId);
      expect(logged.map((entry) => entry.outcome?.status)).toEqual([500]);
    },
  );
});
