import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const meta = { requestId: "q", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "Open" };

/** One event through the store, as the pipeline writes it. */
async function oneEvent(client: SqlClient, schema: string, aggregateId: string): Promise<void> {
  await new SqlStore({ ...client, close: async () => {} }, { schema }).commit({
    realm: "r1",
    idempotencyKey: `k-${aggregateId}`,
    changes: [
      {
        service: "accounts",
        aggregateId,
        expectedVersion: 0,
        events: [{ type: "Opened", data: { n: 1 } }],
        meta,
        snapshot: { state: {}, version: 1 },
      },
    ],
    identities: [],
    effects: [],
    response: { status: 200, body: {} },
    time: new Date().toISOString(),
  });
}

function describeAppendOnly(name: string, open: () => Promise<{ client: SqlClient; schema: string }>, cleanup: () => Promise<void>) {
  describe(`append-only events on ${name}`, () => {
    let client: SqlClient;
    let schema: string;
    const events = () => `"${schema}".events`;
    const count = async () => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${events()}`))[0]?.n);

    beforeAll(async () => {
      ({ client, schema } = await open());
      await migrate(client, schema);
      await oneEvent(client, schema, "a");
    });
    afterAll(async () => {
      await client.close();
      await cleanup();
    });

    it("finding 7: PostgreSQL refuses UPDATE and DELETE on events", async () => {
      await expect(client.query(`UPDATE ${events()} SET data = '{"n":999}'::jsonb`)).rejects.toThrow(
        /events are append-only: UPDATE on .*events refused/,
      );
      await expect(client.query(`DELETE FROM ${events()}`)).rejects.toThrow(/events are append-only: DELETE on .*events refused/);
      await expect(client.query(`TRUNCATE ${events()}`)).rejects.toThrow(/events are append-only: TRUNCATE on .*events refused/);
      const rows = await client.query<{ data: unknown }>(`SELECT data FROM ${events()}`);
      expect(rows).toEqual([{ data: { n: 1 } }]);
    });

    it("still appends, and the refusal is an SQL error code an operator can recognise", async () => {
      await oneEvent(client, schema, "b");
      expect(await count()).toBe(2);
      await expect(client.query(`DELETE FROM ${events()} WHERE aggregate_id = 'b'`)).rejects.toMatchObject({ code: "42501" });
    });

    it("lifts only the way docs/stores.md says: the owner disables the trigger inside one transaction", async () => {
      await client.transaction(async (tx) => {
        await tx.query(`ALTER TABLE ${events()} DISABLE TRIGGER events_append_only`);
        await tx.query(`DELETE FROM ${events()} WHERE aggregate_id = 'b'`);
        await tx.query(`ALTER TABLE ${events()} ENABLE TRIGGER events_append_only`);
      });
      expect(await count()).toBe(1);
      await expect(client.query(`DELETE FROM ${events()}`)).rejects.toThrow(/append-only/);
    });
  });
}

let pglite: SqlClient | undefined;
describeAppendOnly(
  "PGlite",
  async () => {
    pglite = await createPgliteClient();
    return { client: pglite, schema: "edd" };
  },
  async () => {},
);

describePostgres("PostgreSQL", () => {
  const schema = testSchema();
  describeAppendOnly(
    "PostgreSQL",
    async () => ({ client: createPostgresClient({ connectionString: databaseUrl, poolSize: 2 }), schema }),
    () => dropSchemas([schema]),
  );
});
