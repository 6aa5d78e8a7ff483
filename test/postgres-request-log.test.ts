import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { bankOverHttp } from "./support/bank-http.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { requestLogEntry } from "./support/requests.js";

/** JSON nested `depth` objects deep (JSON.stringify cannot write it, so neither can the request log). */
function deepValue(depth: number): unknown {
  return JSON.parse(`${'{"x":'.repeat(depth)}1${"}".repeat(depth)}`);
}

const entry = (realm: string, body: unknown) => requestLogEntry(realm, { body });

describePostgres("finding 3: one request's data never fails another's on PostgreSQL", () => {
  const schema = testSchema();
  let store: SqlStore;

  beforeAll(async () => {
    store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 4 });
  });
  afterAll(async () => {
    await store.close();
    await dropSchemas([schema]);
  });

  it("finding 3: 100 concurrent good requests and 1 with NUL over HTTP: all 100 succeed, the bad one gets 400", async () => {
    const bank = bankOverHttp({ store });
    const good = Array.from({ length: 100 }, (_, i) => bank.command("OpenAccount", `good-${i}`, { owner: `good-${i}@example.com` }));
    const bad = bank.command("OpenAccount", "bad", { owner: "bad@example.com", note: "\u0000" });
    const [answers, badAnswer] = await Promise.all([Promise.all(good), bad]);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(badAnswer.status).toBe(400);
  });

  for (const [name, body] of [
    ["NUL", { text: "bad\u0000" }],
    ["a lone surrogate", { text: "bad\ud800" }],
    ["20,000-deep JSON", deepValue(20_000)],
  ] as const) {
    it(`finding 3: a request-log batch holding one entry with ${name} falls back, so only that entry fails`, async () => {
      const realms = Array.from({ length: 100 }, (_, i) => `realm-${i % 7}`);
      const goods = realms.map((realm, i) => store.logRequest(entry(realm, { n: i })));
      const bad = store.logRequest(entry("realm-bad", body));
      const settled = await Promise.allSettled([...goods, bad]);
      expect(settled.slice(0, 100).filter((result) => result.status === "rejected")).toEqual([]);
      expect(settled[100]?.status).toBe("rejected");
      const ids = settled.slice(0, 100).map((result) => (result as PromiseFulfilledResult<string>).value);
      expect(new Set(ids).size).toBe(100);
      // Each id is the entry it was given back for.
      const logged = await store.requestLog("realm-3");
      for (const row of logged) {
        const index = ids.indexOf(row.id);
        if (index >= 0) expect(row.body).toEqual({ n: index });
      }
    });
  }
});

describePostgres("closing the store flushes the request log's pending batches", () => {
  const schema = testSchema();

  afterAll(async () => {
    await dropSchemas([schema]);
  });

  it("entries and outcomes handed in before close() are written before the pool ends", async () => {
    const store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2 });
    const first = await store.logRequest(entry("closing", { n: 0 }));
    // Not awaited: still queued (or in flight) when close() starts.
    const entries = Array.from({ length: 20 }, (_, i) => store.logRequest(entry("closing", { n: i + 1 })));
    const outcome = store.recordOutcome("closing", first, { status: 200, finishedAt: new Date().toISOString() });
    await store.close();
    const ids = await Promise.all(entries);
    await outcome;
    const reopened = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 1 });
    try {
      const logged = await reopened.requestLog("closing");
      expect(logged.map((row) => row.id).sort()).toEqual([first, ...ids].sort());
      expect(logged.find((row) => row.id === first)?.outcome?.status).toBe(200);
    } finally {
      await reopened.close();
    }
  });
});
