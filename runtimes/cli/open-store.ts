import { resolve } from "node:path";
import { createPgliteStore, defaultDataDir } from "../../adapters/pglite/index.js";
import { createPostgresStore } from "../../adapters/postgres/index.js";
import type { SqlStore } from "../../adapters/sql/store.js";

/**
 * The store every CLI command opens when the config has no `openStore`: PostgreSQL at
 * $DATABASE_URL, else the embedded PGlite store in $EDD_DATA_DIR (default .edd-data), in the
 * schema $EDD_SCHEMA (default "edd"). The same rules as the bank example, so `edd` finds its data.
 */
export async function openStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<SqlStore> {
  const schema = env.EDD_SCHEMA || undefined;
  const url = env.DATABASE_URL || undefined;
  if (url !== undefined) return createPostgresStore({ connectionString: url, poolSize: 2, ...(schema === undefined ? {} : { schema }) });
  return createPgliteStore({ dataDir: resolve(env.EDD_DATA_DIR || defaultDataDir), ...(schema === undefined ? {} : { schema }) });
}

/** Which store `openStoreFromEnv` picks, safe to print: never the password. */
export function describeStoreTarget(env: NodeJS.ProcessEnv = process.env): string {
  const schema = env.EDD_SCHEMA || "edd";
  const url = env.DATABASE_URL || undefined;
  if (url === undefined) return `pglite ${resolve(env.EDD_DATA_DIR || defaultDataDir)} schema ${schema}`;
  try {
    const parsed = new URL(url);
    return `postgres ${parsed.host}${parsed.pathname} schema ${schema}`;
  } catch {
    return `postgres (unparsable DATABASE_URL) schema ${schema}`;
  }
}
