import { resolve } from "node:path";
import { DynamoTable, ensureTable } from "../../adapters/dynamodb/client.js";
import { createPgliteClient, defaultDataDir } from "../../adapters/pglite/index.js";
import { createPostgresClient } from "../../adapters/postgres/index.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { type MigrationReport, migrate } from "../../adapters/sql/migrations.js";
import { defaultSchema } from "../../adapters/sql/schema.js";
import type { DynamoTarget } from "../node/dynamodb-stores.js";

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

/** `edd migrate` on DynamoDB: the table is the whole schema; items need no migration. */
export async function ensureDynamoTable(target: DynamoTarget): Promise<{ readonly target: string; readonly created: boolean }> {
  const table = new DynamoTable({ tableName: target.tableName, clientConfig: target.clientConfig });
  try {
    return { target: target.description, created: await ensureTable(table) };
  } finally {
    table.close();
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
