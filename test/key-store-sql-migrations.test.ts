import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { openSqlKeyStore } from "../adapters/key-store-sql/open.js";
import { createPgliteClient } from "../adapters/sql/drivers/pglite.js";

const env = { EDD_MASTER_KEY: randomBytes(32).toString("base64") };

it("opens the SQL key store on a fresh database through the keys migration set, once however often it opens", async () => {
  const client = await createPgliteClient();
  try {
    const first = await openSqlKeyStore(client, { schema: "keys_here", env });
    const key = await first.keyFor("r", "alice");
    const again = await openSqlKeyStore(client, { schema: "keys_here", env });
    expect((await again.keyFor("r", "alice")).id).toBe(key.id);
    expect(await client.query(`SELECT component, version FROM keys_here.migrations ORDER BY version`)).toEqual([
      { component: "keys", version: 1 },
      { component: "keys", version: 2 },
    ]);
  } finally {
    await client.close();
  }
}, 120_000);
