import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";

const doc = readFileSync(new URL("../docs/stores.md", import.meta.url), "utf8");
const sqlBlocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] as string);

describe("docs/stores.md", () => {
  it("has psql examples that run against the tables migrations create", async () => {
    expect(sqlBlocks.length).toBeGreaterThan(0);
    const client = await createPgliteClient();
    try {
      await migrate(client, "edd");
      const store = new SqlStore(client);
      const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "Deposit" };
      await store.commit({
        realm: "default",
        idempotencyKey: "r:0",
        changes: [
          {
            service: "accounts",
            aggregateId: "acc-1",
            expectedVersion: 0,
            events: [{ type: "Deposited", data: { amount: 5 } }],
            meta,
            snapshot: { state: { balance: 5 }, version: 1 },
          },
        ],
        identities: [],
        effects: [],
        response: { status: 200, body: {} },
        time: new Date().toISOString(),
      });
      await client.query("CREATE ROLE app"); // the service's role in the privileges example
      const statements = sqlBlocks.flatMap((block) => block.split(";").map((s) => s.replace(/--.*$/gm, "").trim())).filter((s) => s !== "");
      for (const statement of statements) await client.query(statement);
      expect(await client.query(statements[0] as string)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("documents every table the migrations create", async () => {
    const client = await createPgliteClient();
    try {
      await migrateSql(client, { schema: "edd", components: ["store", "views", "checkpoints", "keys", "queue"] });
      const tables = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'edd'",
      );
      for (const { name } of tables) expect(doc).toContain(`\`${name}\``);
    } finally {
      await client.close();
    }
  });
});
