import { resolve } from "node:path";
import type { SqlClient } from "../../adapters/sql/client.js";
import { withoutCredentials } from "../../adapters/sql/from-env.js";
import { type ComponentReport, defaultSqlComponents, migrateSql, type SqlComponent } from "../../adapters/sql/component-migrations.js";
import type { MigrationReport } from "../../adapters/sql/migrations.js";
import { defaultDataDir, defaultSchema } from "../../adapters/sql/schema.js";
import type { DynamoTarget } from "../../adapters/dynamodb/from-env.js";

export interface MigrateOptions {
  /** PostgreSQL to migrate; without it, the embedded PGlite store in `dataDir`. */
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly schema?: string;
  /** The Postgres queue's table too (`--queue`), for deployments that use PostgresQueueTransport. */
  readonly queue?: boolean;
}

/** The store's report at the top (as before component sets), every set's in `components`. */
export interface MigrateReport extends MigrationReport {
  readonly target: string;
  readonly components: readonly ComponentReport[];
}

/**
 * Applies pending migrations of every set the deployment uses (store, views, checkpoints, keys,
 * and the Postgres queue when asked), as an operator step before deploying a new version. The
 * SQL open path runs the same sets; both take the same advisory locks, so running this beside
 * live processes is safe.
 */
export async function runMigrate(options: MigrateOptions): Promise<MigrateReport> {
  const schema = options.schema ?? defaultSchema;
  let client: SqlClient;
  let target: string;
  if (options.databaseUrl !== undefined) {
    // Drivers load only when chosen: pg and PGlite are optional peers.
    const { createPostgresClient } = await import("../../adapters/sql/drivers/postgres.js");
    client = createPostgresClient({ connectionString: options.databaseUrl, poolSize: 1 });
    target = `postgres ${withoutCredentials(options.databaseUrl)}`;
  } else {
    const dataDir = resolve(options.dataDir ?? defaultDataDir);
    const { createPgliteClient } = await import("../../adapters/sql/drivers/pglite.js");
    client = await createPgliteClient(dataDir);
    target = `pglite ${dataDir}`;
  }
  try {
    const components: SqlComponent[] = [...defaultSqlComponents, ...(options.queue === true ? (["queue"] as const) : [])];
    const reports = await migrateSql(client, { schema, components });
    const store = reports.find((report) => report.component === "store");
    return { schema, applied: store?.applied ?? [], current: store?.current ?? 0, target, components: reports };
  } finally {
    await client.close();
  }
}

/** `edd migrate` on DynamoDB: the table is the whole schema; items need no migration. */
export async function ensureDynamoTable(target: DynamoTarget): Promise<{ readonly target: string; readonly created: boolean }> {
  const { DynamoTable, ensureTable } = await import("../../adapters/dynamodb/client.js");
  const table = new DynamoTable({ tableName: target.tableName, clientConfig: target.clientConfig });
  try {
    return { target: target.description, created: await ensureTable(table) };
  } finally {
    table.close();
  }
}
