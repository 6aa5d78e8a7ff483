import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { createPostgresClient } from "../adapters/postgres/index.js";
import { migrate, migrations } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { runMigrate } from "../runtimes/cli/migrate.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

// Every version, in order, and the latest: what a fresh schema ends up with.
const versions = migrations.map((migration) => migration.version);
const latest = Math.max(...versions);

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
      expect(reports.flatMap((report) => report.applied)).toEqual(versions);
      expect(reports.map((report) => report.current)).toEqual([latest, latest, latest, latest]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT version FROM "${schema}".migrations ORDER BY version`)).rows;
      expect(rows).toEqual(versions.map((version) => ({ version })));
    } finally {
      await db.end();
    }
  });

  it("runs as the operator command, and again with nothing to do", async () => {
    const schema = testSchema();
    schemas.push(schema);
    expect(await runMigrate({ databaseUrl, schema })).toMatchObject({ schema, applied: versions, current: latest });
    expect(await runMigrate({ databaseUrl, schema })).toMatchObject({ schema, applied: [], current: latest });
  });

  it("finding 5: version 3 keeps the answers stored before it; they come back unbound, as they did", async () => {
    const schema = testSchema();
    schemas.push(schema);
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    try {
      await migrate(
        client,
        schema,
        migrations.filter((migration) => migration.version < 3),
      );
      await client.query(`INSERT INTO "${schema}".responses (realm, idempotency_key, status, body) VALUES ('r', 'k:0', 200, $1::jsonb)`, [
        JSON.stringify({ result: { ok: true } }),
      ]);
      await migrate(client, schema);
      const store = new SqlStore({ ...client, close: async () => {} }, { schema });
      expect(await store.findResponse("r", "k:0")).toEqual({ status: 200, body: { result: { ok: true } } });
    } finally {
      await client.close();
    }
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(runMigrate({ databaseUrl, schema: 'edd"; DROP TABLE x; --' })).rejects.toThrow(/Invalid schema name/);
  });
});
