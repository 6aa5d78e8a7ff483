import type { Store } from "edd";
import { openSqlKeyStore } from "edd/key-store-sql";
import { type Backend, type KeyStore, migrateOrClose } from "edd/ports";
import { createPostgresClient, createPostgresStore, sqlBackend } from "edd/postgres";

/**
 * The Postgres stores for DATABASE_URL (schema from EDD_SCHEMA). Their own module, so the bundler
 * puts them, and `pg`, in a chunk that loads only when a database is configured.
 */
export function openPostgresStore(connectionString: string): Promise<Store> {
  const schema = process.env.EDD_SCHEMA || undefined;
  return createPostgresStore({ connectionString, poolSize: poolSize(), ...(schema === undefined ? {} : { schema }) });
}

/**
 * Events, views and checkpoints on one pool, migrated: what a deployed bank serves and projects
 * from; with `keys`, the personal-data key store too (table subject_keys, keys wrapped by $EDD_MASTER_KEY).
 */
export async function openPostgresStores(
  connectionString: string,
  options: { readonly keys?: boolean } = {},
): Promise<Backend & { readonly keys?: KeyStore }> {
  const schema = process.env.EDD_SCHEMA || "edd";
  const backend = await migrateOrClose(sqlBackend(createPostgresClient({ connectionString, poolSize: poolSize() }), { schema }));
  if (options.keys !== true) return backend;
  try {
    return { ...backend, keys: await openSqlKeyStore(backend.sql.client, { schema }) };
  } catch (error) {
    await backend.close();
    throw error;
  }
}

/** A function instance serves one request at a time: a small pool spares the database's connections. */
function poolSize(): number {
  return Number(process.env.EDD_DB_POOL_SIZE || 4);
}
