import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { componentMigrations, migrateSql, type SqlComponent } from "../adapters/sql/component-migrations.js";
import { createPgliteClient } from "../adapters/sql/drivers/pglite.js";
import { migrate, migrations } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { runMigrate } from "../runtimes/cli/migrate.js";
import { createLegacySchema, legacyRowsAfter } from "./support/legacy-schema.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

// Every version, in order, and the latest: what a fresh schema ends up with.
const versions = migrations.map((migration) => migration.version);
const latest = Math.max(...versions);
const everySet: SqlComponent[] = ["store", "views", "checkpoints", "keys", "queue"];
const versionsOf = (component: SqlComponent) => componentMigrations(component).map((migration) => migration.version);

/**
 * A database the ensure* code of earlier releases built (store at 6, the other tables without
 * bookkeeping) is adopted: the data stays, each set records its version 1, and the store
 * applies only what came after 6.
 */
async function adoptsLegacySchema(client: SqlClient, schema: string): Promise<void> {
  await createLegacySchema(client, schema);
  const reports = await migrateSql(client, { schema, components: everySet });
  expect(reports.map(({ component, applied }) => ({ component, applied }))).toEqual([
    { component: "store", applied: versions.filter((version) => version > 6) },
    { component: "views", applied: [1] },
    { component: "checkpoints", applied: [1] },
    { component: "keys", applied: [1, 2] },
    { component: "queue", applied: [1, 2] },
  ]);
  expect(await legacyRowsAfter(client, schema)).toEqual({ view: { n: 1 }, checkpoint: "42", key: "k1", untraced: true });
  const again = await migrateSql(client, { schema, components: everySet });
  expect(again.flatMap((report) => report.applied)).toEqual([]);
  const rows = await client.query<{ component: string; version: number }>(
    `SELECT component, version FROM "${schema}".migrations ORDER BY component, version`,
  );
  expect(rows.filter((row) => row.component === "store").map((row) => row.version)).toEqual(versions);
  // An older edd still records its store versions during a rolling deploy: the column defaults to 'store'.
  await client.query(`INSERT INTO "${schema}".migrations (version, name) VALUES (1000, 'from an older edd')`);
  expect(await client.query(`SELECT component FROM "${schema}".migrations WHERE version = 1000`)).toEqual([{ component: "store" }]);
}

describe("migrations on PGlite", () => {
  it("adopts a database built by the ensure* code of earlier releases", async () => {
    const client = await createPgliteClient();
    try {
      await adoptsLegacySchema(client, "edd");
    } finally {
      await client.close();
    }
  });
});

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
      const rows = (await db.query(`SELECT version FROM "${schema}".migrations WHERE component = 'store' ORDER BY version`)).rows;
      expect(rows).toEqual(versions.map((version) => ({ version })));
    } finally {
      await db.end();
    }
  });

  it("applies every set once when four processes migrate everything at once, views in a schema of their own", async () => {
    const schema = testSchema();
    const viewSchema = `${schema}_views`;
    schemas.push(schema, viewSchema);
    const targets = [
      { schema, components: ["store", "keys", "queue"] as SqlComponent[] },
      { schema: viewSchema, components: ["views", "checkpoints"] as SqlComponent[] },
    ];
    const clients = Array.from({ length: 4 }, () => createPostgresClient({ connectionString: databaseUrl, poolSize: 1 }));
    try {
      const reports = (await Promise.all(clients.map((client) => migrateSql(client, targets)))).flat();
      for (const component of everySet) {
        const applied = reports.filter((report) => report.component === component).flatMap((report) => report.applied);
        expect({ component, applied }).toEqual({ component, applied: versionsOf(component) });
      }
      const tables = await clients[0]?.query<{ table_schema: string; table_name: string }>(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ($1, $2) ORDER BY 1, 2",
        [schema, viewSchema],
      );
      expect(tables?.filter((row) => row.table_schema === viewSchema).map((row) => row.table_name)).toEqual([
        "migrations",
        "projection_checkpoints",
        "view_documents",
        "view_generations",
      ]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it("adopts a database built by the ensure* code of earlier releases", async () => {
    const schema = testSchema();
    schemas.push(schema);
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
    try {
      await adoptsLegacySchema(client, schema);
    } finally {
      await client.close();
    }
  });

  it("runs as the operator command, and again with nothing to do", async () => {
    const schema = testSchema();
    schemas.push(schema);
    const first = await runMigrate({ databaseUrl, schema, queue: true });
    expect(first).toMatchObject({ schema, applied: versions, current: latest });
    expect(first.components.map((report) => report.component)).toEqual(everySet);
    const again = await runMigrate({ databaseUrl, schema });
    expect(again).toMatchObject({ schema, applied: [], current: latest });
    expect(again.components.flatMap((report) => report.applied)).toEqual([]);
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
