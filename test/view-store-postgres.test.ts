import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { expect } from "vitest";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { connectionClient } from "../adapters/sql/connection.js";
import { PostgresViewStore } from "../adapters/sql/view-store.js";
import { databaseUrl, describePostgres, testSchema } from "./store-postgres-support.js";
import { describeViewStoreContract } from "edd/testing/contracts";

describeViewStoreContract("postgres on PGlite", async () => {
  const db = new PGlite();
  const s = testSchema();
  const [first] = await migrateSql(connectionClient(db), { schema: s, components: ["views"] });
  const [again] = await migrateSql(connectionClient(db), { schema: s, components: ["views"] });
  expect([first?.applied, again?.applied]).toEqual([[1], []]);
  return { store: new PostgresViewStore(db, { schema: s }), cleanup: () => db.close() };
});

describePostgres("view store on PostgreSQL", () => {
  describeViewStoreContract("postgres", async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const s = testSchema();
    // Concurrent first use, one connection each: the migrations serialise under an advisory lock.
    const connections = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      await Promise.all(connections.map((connection) => migrateSql(connectionClient(connection), { schema: s, components: ["views"] })));
    } finally {
      for (const connection of connections) connection.release();
    }
    return {
      store: new PostgresViewStore(pool, { schema: s }),
      cleanup: async () => {
        await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        await pool.end();
      },
    };
  });
});
