import { createPostgresStore } from "edd/postgres";
import type { Store } from "edd";

/**
 * The Postgres store for DATABASE_URL (schema from EDD_SCHEMA, as in examples/bank/store.ts). Its own
 * module so the bundler puts it, and `pg`, in a chunk that loads only when a database is configured.
 */
export function openPostgresStore(connectionString: string): Promise<Store> {
  const schema = process.env.EDD_SCHEMA || undefined;
  // A function instance serves one request at a time: a small pool spares the database's connections.
  const poolSize = Number(process.env.EDD_DB_POOL_SIZE || 4);
  return createPostgresStore({ connectionString, poolSize, ...(schema === undefined ? {} : { schema }) });
}
