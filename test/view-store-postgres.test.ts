import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { describe, it } from "vitest";
import { ensureViewTables, PostgresViewStore } from "../adapters/postgres/view-store.js";
import { describeViewStoreContract } from "./view-store-contract.js";

const postgresUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = () => `edd_test_${randomBytes(6).toString("hex")}`;

describeViewStoreContract("postgres on PGlite", async () => {
  const db = new PGlite();
  const s = schema();
  await ensureViewTables(db, s);
  await ensureViewTables(db, s); // idempotent
  return { store: new PostgresViewStore(db, { schema: s }), cleanup: () => db.close() };
});

async function reachPostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await reachPostgres();
if (unreachable === undefined) {
  describeViewStoreContract("postgres", async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
    const s = schema();
    // Concurrent first use: the DDL serialises itself under an advisory lock.
    await Promise.all([ensureViewTables(pool, s), ensureViewTables(pool, s), ensureViewTables(pool, s)]);
    return {
      store: new PostgresViewStore(pool, { schema: s }),
      cleanup: async () => {
        await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        await pool.end();
      },
    };
  });
} else if (process.env.EDD_REQUIRE_POSTGRES === "1") {
  describe("view store contract: postgres", () => {
    it("needs PostgreSQL (EDD_REQUIRE_POSTGRES=1)", () => {
      throw new Error(`PostgreSQL unreachable at ${postgresUrl}: ${unreachable}`);
    });
  });
} else {
  describe.skip(`view store contract: postgres: SKIPPED, PostgreSQL unreachable at ${postgresUrl} (${unreachable})`, () => {
    it("runs when PostgreSQL is reachable", () => {});
  });
}
