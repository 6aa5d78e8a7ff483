import { SqlStore } from "../../adapters/sql/store.js";
import { describeSqlTarget, openSqlDatabaseFromEnv } from "../node/sql-stores.js";

/**
 * The store every CLI command opens when the config has no `openStore`: PostgreSQL at
 * $DATABASE_URL, else the embedded PGlite store in $EDD_DATA_DIR (default .edd-data), in the
 * schema $EDD_SCHEMA (default "edd"). The same rules as the bank example, so `edd` finds its data.
 */
export async function openStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<SqlStore> {
  const { client, schema } = await openSqlDatabaseFromEnv(env, { poolSize: 2 });
  return new SqlStore(client, { schema });
}

/** Which store `openStoreFromEnv` picks, safe to print: never the password. */
export const describeStoreTarget = describeSqlTarget;
