import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { ensureViewTables, PostgresViewStore } from "../adapters/sql/view-store.js";
import { databaseUrl, describePostgres, testSchema } from "./store-postgres-support.js";
import { describeViewStoreContract } from "edd/testing/contracts";

describeViewStoreContract("postgres on PGlite", async () => {
  const db = new PGlite();
  const s = testSchema();
  await ensureViewTables(db, s);
  await ensureViewTables(db, s); // idempotent
  return { store: new PostgresViewStore(db, { schema: s }), cleanup: () => db.close() };
});

describePostgres("view store on PostgreSQL", () => {
  describeViewStoreContract("postgres", async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const s = testSchema();
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
});
