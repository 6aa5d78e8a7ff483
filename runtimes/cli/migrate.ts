import { resolve } from "node:path";
import { createPgliteClient, defaultDataDir } from "../../adapters/pglite/index.js";
import { createPostgresClient } from "../../adapters/postgres/index.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { type MigrationReport, migrate } from "../../adapters/sql/migrations.js";
import { defaultSchema } from "../../adapters/sql/schema.js";

export interface MigrateOptions {
  /** PostgreSQL to migrate; without it, the embedded PGlite store in `dataDir`. */
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly schema?: string;
}

/**
 * Applies pending migrations as an operator step, before deploying a new version. Stores also
 * migrate when they open; both take the same advisory lock, so running this beside live
 * processes is safe.
 */
export async function runMigrate(options: MigrateOptions): Promise<MigrationReport & { readonly target: string }> {
  const schema = options.schema ?? defaultSchema;
  let client: SqlClient;
  let target: string;
  if (options.databaseUrl !== undefined) {
    client = createPostgresClient({ connectionString: options.databaseUrl, poolSize: 1 });
    target = `postgres ${hostOf(options.databaseUrl)}`;
  } else {
    const dataDir = resolve(options.dataDir ?? defaultDataDir);
    client = await createPgliteClient(dataDir);
    target = `pglite ${dataDir}`;
  }
  try {
    return { ...(await migrate(client, schema)), target };
  } finally {
    await client.close();
  }
}

/** Host, port and database only: never print credentials. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
