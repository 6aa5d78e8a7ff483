import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { migrate } from "../adapters/sql/migrations.js";
import { runMigrate } from "../runtimes/cli/migrate.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

describePostgres("migrations on PostgreSQL", () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(schemas));

  it("applies each version once when several processes start at the same moment", async () => {
    const schema = testSchema();
    schemas.push(schema);
    // Separate pools stand in for separate processes: each has its own connection.
    const clients = Array.from({ length: 4 }, () => createPostgresClient({ connectionString: databaseUrl, poolSize: 1 }));
    try {
      const reports = await Promise.all(clients.map((client) => migrate(client, schema)));
      expect(reports.flatMap((report) => report.applied)).toEqual([1, 2]);
      expect(reports.map((report) => report.current)).toEqual([2, 2, 2, 2]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT version FROM "${schema}".migrations ORDER BY version`)).rows;
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      await db.end();
    }
  });

  it("runs as the operator command, and again with nothing to do", async () => {
    const schema = testSchema();
    schemas.push(schema);
    expect(await runMigrate({ databaseUrl, schema })).toMatchObject({ schema, applied: [1, 2], current: 2 });
    expect(await runMigrate({ databaseUrl, schema })).toMatchObject({ schema, applied: [], current: 2 });
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(runMigrate({ databaseUrl, schema: 'edd"; DROP TABLE x; --' })).rejects.toThrow(/Invalid schema name/);
  });
});
