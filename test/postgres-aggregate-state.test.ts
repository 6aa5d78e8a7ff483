import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { anonymousPrincipal, createEngine, type Store } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { commandRequest } from "./support/requests.js";

/** A snapshot that lags its events (written by an older release, or edited) must not hide the tail. */
describePostgres("loading an aggregate whose snapshot lags its events", () => {
  const schema = testSchema();
  let store: SqlStore;
  beforeAll(async () => {
    store = await createPostgresStore({ connectionString: databaseUrl, schema });
  });
  afterAll(async () => {
    await store.close();
    await dropSchemas([schema]);
  });

  it("folds the events after the snapshot, in one round trip and through the two-read fallback alike", async () => {
    const engine = createEngine({ services: bankServices, store });
    const send = (command: string, attributes: Record<string, unknown>) =>
      engine.command(commandRequest({ command, aggregateId: "a", attributes }), anonymousPrincipal);
    await send("OpenAccount", { owner: "a@example.com" });
    await send("Deposit", { amount: 5 });
    await send("Deposit", { amount: 7 });
    const sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    await sql.query(`UPDATE "${schema}".snapshots SET version = 1, state = $1::jsonb`, [
      JSON.stringify({ status: "open", owner: "a@example.com", balance: 0 }),
    ]);
    await sql.end();

    const state = await store.loadAggregateState({ realm: "default", service: "accounts", aggregateId: "a" });
    expect(state.snapshot?.version).toBe(1);
    expect(state.tail.map((e) => e.sequence)).toEqual([2, 3]);

    // The same store without its fast path: the pipeline falls back to loadSnapshot + readAggregateEvents.
    const twoReads: Store = new Proxy(store, {
      get(target, property) {
        if (property === "loadAggregateState") return undefined;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const account = async (s: Store) =>
      (
        await createEngine({ services: bankServices, store: s }).query(
          { query: { query: "GetAccount", attributes: { id: "a" } } },
          anonymousPrincipal,
        )
      ).body;
    expect(await account(store)).toMatchObject({ result: { balance: 12, version: 3 } });
    expect(await account(twoReads)).toMatchObject({ result: { balance: 12, version: 3 } });
  });

  it("closes each request's log entry with its outcome, in the commit or on its own", async () => {
    const engine = createEngine({ services: bankServices, store });
    const deposit = commandRequest({ command: "Deposit", aggregateId: "b", attributes: { amount: 1 } });
    await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "b", attributes: { owner: "b@example.com" } }),
      anonymousPrincipal,
    );
    await engine.command(deposit, anonymousPrincipal); // commits: outcome written by the commit
    await engine.command(deposit, anonymousPrincipal); // replay: outcome written on its own
    await engine.command(commandRequest({ command: "Withdraw", aggregateId: "b", attributes: { amount: 99 } }), anonymousPrincipal);
    const { items } = await store.auditReader().searchRequests({ realm: "default", limit: 100 });
    const forB = items.filter((row) => JSON.stringify(row.body).includes('"aggregateId":"b"'));
    expect(forB.map((row) => row.outcome?.status).sort()).toEqual([200, 200, 200, 422]);
    expect(forB.find((row) => row.outcome?.status === 422)?.outcome?.errorCode).toBe("insufficient-funds");
  });
});
