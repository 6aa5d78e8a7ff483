import type { Store } from "edd";
import { type Backend, migrateOrClose } from "edd/ports";
import { createPostgresClient, createPostgresStore, sqlBackend } from "edd/postgres";

/**
 * The Postgres stores for DATABASE_URL (schema from EDD_SCHEMA). Their own module, so the bundler
 * puts them, and `pg`, in a chunk that loads only when a database is configured.
 */
export function openPostgresStore(connectionString: string): Promise<Store> {
  const schema = process.env.EDD_SCHEMA || undefined;
  return createPostgresStore({ connectionString, poolSize: poolSize(), ...(schema === undefined ? {} : { schema }) });
}

/** Events, views and checkpoints on one pool, migrated: what a deployed bank serves and projects from. */
export function openPostgresStores(connectionString: string): Promise<Backend> {
  const client = createPostgresClient({ connectionString, poolSize: poolSize() });
  return migrateOrClose(sqlBackend(client, { schema: process.env.EDD_SCHEMA || "edd" }));
}

/** A function instance serves one request at a time: a small pool spares the database's connections. */
function poolSize(): number {
  return Number(process.env.EDD_DB_POOL_SIZE || 4);
}
