import { resolve } from "node:path";
import type { AuditReader } from "../../core/ports/audit.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { PostgresCheckpointStore } from "./checkpoints.js";
import { PostgresViewStore, type ViewSqlClient } from "./view-store.js";
import type { SqlClient } from "./client.js";
import { defaultSqlComponents, migrateSql } from "./component-migrations.js";
import { defaultDataDir, defaultSchema } from "./schema.js";
import { SqlStore } from "./store.js";

/** Events, views, checkpoints and the audit reader of one SQL database, sharing one client. */
export interface SqlStores {
  readonly store: SqlStore;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly audit: AuditReader;
  /** Where the data lives, safe to print (no password). */
  readonly description: string;
  /** The database they share, for what else lives beside them (the key store of personal data). */
  readonly sql: { readonly client: SqlClient; readonly schema: string };
  close(): Promise<void>;
}

/** The default SQL database from the environment, migrated, with one client for every store on it. */
export interface SqlDatabase {
  readonly client: SqlClient;
  readonly schema: string;
  /** Where the data lives, safe to print (no password). */
  readonly description: string;
}

/**
 * The on-prem default: PostgreSQL at $DATABASE_URL, else embedded PGlite persisted in
 * $EDD_DATA_DIR (default .edd-data); schema $EDD_SCHEMA (default edd). Migrates on open every set
 * `edd migrate` runs (store, views, checkpoints, keys), so a fresh database needs no step.
 * PGlite allows one process per folder, so every store of a process must share this one client.
 */
export async function openSqlDatabaseFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { poolSize?: number } = {},
): Promise<SqlDatabase> {
  const schema = env.EDD_SCHEMA || defaultSchema;
  const url = env.DATABASE_URL || undefined;
  // Each driver loads only when chosen: PGlite's and pg's packages are optional peers of edd.
  const client: SqlClient =
    url === undefined
      ? await (await import("./drivers/pglite.js")).createPgliteClient(dataDirFromEnv(env))
      : (await import("./drivers/postgres.js")).createPostgresClient({
          connectionString: url,
          ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
        });
  try {
    await migrateSql(client, { schema, components: defaultSqlComponents });
  } catch (error) {
    await client.close();
    throw error;
  }
  return { client, schema, description: describeSqlTarget(env) };
}

/** Which database `openSqlDatabaseFromEnv` picks, safe to print: never the password. */
export function describeSqlTarget(env: NodeJS.ProcessEnv = process.env): string {
  const schema = env.EDD_SCHEMA || defaultSchema;
  const url = env.DATABASE_URL || undefined;
  return url === undefined ? `pglite ${dataDirFromEnv(env)} schema ${schema}` : `postgres ${withoutCredentials(url)} schema ${schema}`;
}

/** Events, views, checkpoints and the audit reader of the default SQL database, on one client. */
export async function openSqlStoresFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<SqlStores> {
  const { client, schema, description } = await openSqlDatabaseFromEnv(env);
  const views = viewSqlClient(client);
  const store = new SqlStore(client, { schema });
  return {
    store,
    views: new PostgresViewStore(views, { schema }),
    checkpoints: new PostgresCheckpointStore(views, { schema }),
    audit: store.auditReader(),
    description,
    sql: { client, schema },
    close: () => client.close(),
  };
}

/** The view and checkpoint stores take `{ rows }` answers; the SQL client answers rows. */
export function viewSqlClient(client: SqlClient): ViewSqlClient {
  return { query: async (text, params) => ({ rows: await client.query(text, params) }) };
}

function dataDirFromEnv(env: NodeJS.ProcessEnv): string {
  return resolve(env.EDD_DATA_DIR || defaultDataDir);
}

/** Host, port and database of a connection URL: never its credentials. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
