import pg from "pg";

/** Drops the benches' scratch schemas on the PostgreSQL at `databaseUrl`, through a connection of its own. */
export async function dropSchemas(databaseUrl: string, schemas: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}
