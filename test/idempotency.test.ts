import { afterAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { Authenticator, Store } from "../core/index.js";
import { bankOverHttp } from "./support/bank-http.js";
import { commandRequest } from "./support/requests.js";
import { databaseUrl, dropSchemas, postgresUnreachable, testSchema } from "./store-postgres-support.js";

/** Bearer tokens name the user; everyone is in realm "bank". */
const byToken: Authenticator = async (input) => ({
  ok: true,
  principal: { id: input.headers.authorization?.slice("Bearer ".length) ?? "nobody", realm: "bank", roles: [] },
});
const as = (user: string) => ({ authorization: `Bearer ${user}` });

const schemas: string[] = [];
// One in-memory PGlite for the file (it takes seconds to start), a schema per test.
let pglite: Promise<SqlClient> | undefined;
const stores: [string, () => Promise<Store>][] = [
  ["memory", async () => new MemoryStore()],
  [
    "PGlite",
    async () => {
      pglite ??= createPgliteClient();
      const client = await pglite;
      const schema = `idempotency_${schemas.length}`;
      schemas.push(schema);
      await migrate(client, schema);
      return new SqlStore({ ...client, close: async () => {} }, { schema });
    },
  ],
];
if (postgresUnreachable === undefined || process.env.EDD_REQUIRE_POSTGRES === "1") {
  stores.push([
    "PostgreSQL",
    () => {
      const schema = testSchema();
      schemas.push(schema);
      return createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2 });
    },
  ]);
}
afterAll(async () => {
  await (await pglite)?.close();
  await dropSchemas(schemas.filter((schema) => schema.startsWith("edd_test_")));
});

for (const [name, createStore] of stores) {
  describe(`finding 5: idempotency keys are bound to their request and principal (${name})`, () => {
    it(`finding 5: the same request id with a different body answers 409 idempotency-key-reused and replays nothing (${name})`, async () => {
      const store = await createStore();
      try {
        const bank = bankOverHttp({ store, authenticator: byToken });
        const first = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } });
        expect((await bank.post("/command", first, as("ana"))).status).toBe(200);
        const reused = { ...first, commands: [{ command: "OpenAccount", aggregateId: "b", attributes: { owner: "bob@example.com" } }] };
        const answer = await bank.post("/command", reused, as("ana"));
        expect(answer.status).toBe(409);
        expect(answer.body).toMatchObject({ error: { code: "idempotency-key-reused" } });
        expect(answer.text).not.toContain("ana@example.com");
        expect(await store.readAggregateEvents({ realm: "bank", service: "accounts", aggregateId: "b" })).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it(`finding 5: another principal of the same realm reusing a request id gets 409, never the first answer (${name})`, async () => {
      const store = await createStore();
      try {
        const bank = bankOverHttp({ store, authenticator: byToken });
        const request = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } });
        const first = await bank.post("/command", request, as("ana"));
        expect(first.status).toBe(200);
        const stolen = await bank.post("/command", request, as("mallory"));
        expect(stolen.status).toBe(409);
        expect(stolen.body).toMatchObject({ error: { code: "idempotency-key-reused" } });
        expect(stolen.text).not.toContain("ana@example.com");
        expect(stolen.body).not.toHaveProperty("result");
        // A rejection is bound the same way.
        const withdraw = commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 5 } });
        expect((await bank.post("/command", withdraw, as("ana"))).status).toBe(422);
        expect((await bank.post("/command", withdraw, as("mallory"))).status).toBe(409);
      } finally {
        await store.close();
      }
    });

    it(`finding 5: a replay returns exactly the bytes of the first answer (${name})`, async () => {
      const store = await createStore();
      try {
        const bank = bankOverHttp({ store, authenticator: byToken });
        const request = commandRequest([
          { command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } },
          { command: "Deposit", aggregateId: "a", attributes: { amount: 10 } },
        ]);
        const first = await bank.post("/command", request, as("ana"));
        const replay = await bank.post("/command", request, as("ana"));
        expect(first.status).toBe(200);
        expect(replay.status).toBe(200);
        expect(replay.text).toBe(first.text);
        // Key order does not make a different request: the same commands, keys sent in another order, replay too.
        const reordered = JSON.parse(JSON.stringify(request), (_key, value) =>
          typeof value === "object" && value !== null && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).reverse())
            : value,
        );
        expect((await bank.post("/command", reordered, as("ana"))).text).toBe(first.text);
        const rejection = commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 50 } });
        const rejected = await bank.post("/command", rejection, as("ana"));
        expect(rejected.status).toBe(422);
        expect((await bank.post("/command", rejection, as("ana"))).text).toBe(rejected.text);
      } finally {
        await store.close();
      }
    });
  });
}
