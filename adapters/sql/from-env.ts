import { resolve } from "node:path";
import { migrateOrClose } from "../../core/ports/backend.js";
import { type SqlBackend, sqlBackend } from "./backend.js";
import type { SqlClient } from "./client.js";
import { defaultDataDir, defaultSchema } from "./schema.js";

export { viewSqlClient } from "./backend.js";

/**
 * The on-prem default: PostgreSQL at $DATABASE_URL, else embedded PGlite persisted in
 * $EDD_DATA_DIR (default .edd-data); schema $EDD_SCHEMA (default edd). Migrates on open every set
 * `edd migrate` runs (store, views, checkpoints, keys), so a fresh database needs no step; closed
 * again when the migration fails. PGlite allows one process per folder: every store of a process
 * shares this one client.
 */
export async function openSqlBackendFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { readonly poolSize?: number } = {},
): Promise<SqlBackend> {
  const url = env.DATABASE_URL || undefined;
  // Each driver loads only when chosen: PGlite's and pg's packages are optional peers of edd.
  const client: SqlClient =
    url === undefined
      ? await (await import("./drivers/pglite.js")).createPgliteClient(dataDirFromEnv(env))
      : (await import("./drivers/postgres.js")).createPostgresClient({
          connectionString: url,
          ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
        });
  return migrateOrClose(sqlBackend(client, { schema: env.EDD_SCHEMA || defaultSchema, description: describeSqlTarget(env) }));
}

/** Which database `openSqlBackendFromEnv` picks, safe to print: never the password. */
export function describeSqlTarget(env: NodeJS.ProcessEnv = process.env): string {
  const schema = env.EDD_SCHEMA || defaultSchema;
  const url = env.DATABASE_URL || undefined;
  return url === undefined ? `pglite ${dataDirFromEnv(env)} schema ${schema}` : `postgres ${withoutCredentials(url)} schema ${schema}`;
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
