import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlKeyStore } from "../adapters/key-store-sql/open.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { PostgresViewStore } from "../adapters/sql/view-store.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { viewSqlClient } from "../adapters/sql/from-env.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { erasedMarker } from "../core/privacy/index.js";
import { anaEmail, bobEmail, openAndTransfer, privateBank, realm } from "./support/privacy-bank.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const masterKey = { EDD_MASTER_KEY: randomBytes(32).toString("base64") };

/** Every row of every table in the schema, as text: what a dump of the database would hold. */
async function dumpTables(client: SqlClient, schema: string): Promise<Map<string, string>> {
  const tables = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  const dump = new Map<string, string>();
  for (const { table_name } of tables) {
    const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
    dump.set(table_name, rows.map((r) => r.row).join("\n"));
  }
  return dump;
}

const tablesHolding = (dump: Map<string, string>, text: string) => [...dump].filter(([, rows]) => rows.includes(text)).map(([t]) => t);

function describeErasure(
  name: string,
  open: () => Promise<{ client: SqlClient; schema: string }>,
  fullDump?: (schema: string) => Promise<string>,
) {
  describe(`forgetting a data subject on ${name}`, () => {
    it("leaves no plaintext email in any table, keeps the other customer's data, and verifies", async () => {
      const { client, schema } = await open();
      try {
        await migrateSql(client, { schema, components: ["store", "views"] });
        const keys = await openSqlKeyStore(client, { schema, env: masterKey });
        const bank = privateBank(new SqlStore(client, { schema }), new PostgresViewStore(viewSqlClient(client), { schema }), keys);
        await openAndTransfer(bank);
        // A dead letter with Ana's request in it, as a failed delivery would leave one.
        await bank.store.addDeadLetter({
          realm,
          source: "test",
          message: {
            requestId: "r",
            interactionId: "i",
            commands: [{ command: "OpenAccount", aggregateId: "acc-ana", attributes: { owner: anaEmail } }],
          },
          error: { code: "test", message: "kept for the dump" },
          attempts: 1,
          firstFailedAt: new Date().toISOString(),
          lastFailedAt: new Date().toISOString(),
        });

        // Before: sealed everywhere, the view included; search finds owners through the view's blind index.
        const before = await dumpTables(client, schema);
        expect(tablesHolding(before, anaEmail)).toEqual([]);
        expect(tablesHolding(before, "ana.privacy")).toEqual([]);
        expect(before.get("view_documents")).toContain("edd:sealed:1:");
        expect(await bank.query("SearchAccounts", { owner: "ana privacy" })).toMatchObject({
          total: 1,
          accounts: [{ id: "acc-ana", owner: anaEmail }],
        });
        expect(await bank.query("SearchAccounts", { owner: "privacy" })).toMatchObject({
          total: 2,
          accounts: [{ owner: anaEmail }, { owner: bobEmail }],
        });
        expect(before.get("events")).toContain("edd:sealed:1:");
        expect(await bank.verify()).toEqual([]);

        await bank.forget("acc-ana");
        await bank.settle();

        const after = await dumpTables(client, schema);
        expect(tablesHolding(after, anaEmail)).toEqual([]);
        expect(tablesHolding(after, "ana.privacy")).toEqual([]);
        if (fullDump !== undefined) expect(await fullDump(schema)).not.toContain("ana.privacy");
        // Bob's data is intact and readable; his email is sealed as before.
        expect(tablesHolding(after, bobEmail)).toEqual([]);
        expect(await bank.query("SearchAccounts", { owner: "privacy" })).toMatchObject({
          total: 1,
          accounts: [{ id: "acc-bob", owner: bobEmail }],
        });
        expect(await bank.query("GetAccount", { id: "acc-bob" })).toMatchObject({ owner: bobEmail, balance: 100 });
        expect(await bank.query("FindAccountByOwner", { owner: bobEmail })).toMatchObject({ id: "acc-bob" });
        expect(await bank.query("GetAccount", { id: "acc-ana" })).toMatchObject({ owner: erasedMarker, balance: 400 });
        expect(await bank.query("FindAccountByOwner", { owner: anaEmail })).toBeNull();
        const [letter] = await bank.store.listDeadLetters(realm);
        expect(letter?.message).toMatchObject({ commands: [{ attributes: { owner: erasedMarker } }] });
        // The forgotten key is a tombstone: no key material left for Ana.
        const [key] = await client.query<{ wrapped: string | null }>(
          `SELECT wrapped FROM "${schema}".subject_keys WHERE subject = 'acc-ana'`,
        );
        expect(key).toEqual({ wrapped: null });
        expect(await bank.verify()).toEqual([]);
      } finally {
        await client.close();
      }
    });
  });
}

describeErasure("PGlite", async () => ({ client: await createPgliteClient(), schema: "edd" }));

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));
describePostgres("PostgreSQL", () => {
  describeErasure(
    "PostgreSQL",
    async () => {
      const schema = testSchema();
      schemas.push(schema);
      return { client: createPostgresClient({ connectionString: databaseUrl, poolSize: 2 }), schema };
    },
    async (schema) => (await promisify(execFile)("pg_dump", ["--dbname", databaseUrl, "--schema", schema], { maxBuffer: 64 << 20 })).stdout,
  );
});
