import type { Store, ViewStore } from "edd";
import { openSqlKeyStore } from "edd/key-store-sql";
import type { CheckpointStore, KeyStore } from "edd/ports";
import { createPostgresClient, createPostgresStore, migrateSql, PostgresCheckpointStore, PostgresViewStore, SqlStore } from "edd/postgres";

/**
 * The Postgres stores for DATABASE_URL (schema from EDD_SCHEMA). Their own module, so the bundler
 * puts them, and `pg`, in a chunk that loads only when a database is configured.
 */
export function openPostgresStore(connectionString: string): Promise<Store> {
  const schema = process.env.EDD_SCHEMA || undefined;
  return createPostgresStore({ connectionString, poolSize: poolSize(), ...(schema === undefined ? {} : { schema }) });
}

/**
 * Events, views and checkpoints on one pool: what a deployed bank serves and projects from; with
 * `keys`, the personal-data key store too (table subject_keys, keys wrapped by $EDD_MASTER_KEY).
 */
export async function openPostgresStores(
  connectionString: string,
  options: { readonly keys?: boolean } = {},
): Promise<{ store: Store; views: ViewStore; checkpoints: CheckpointStore; keys?: KeyStore }> {
  const schema = process.env.EDD_SCHEMA || "edd";
  const client = createPostgresClient({ connectionString, poolSize: poolSize() });
  try {
    await migrateSql(client, { schema, components: ["store", "views", "checkpoints"] });
    const rows = {
      query: async (text: string, params?: unknown[]) => ({ rows: await client.query<Record<string, unknown>>(text, params) }),
    };
    const keys = options.keys === true ? await openSqlKeyStore(client, { schema }) : undefined;
    return {
      store: new SqlStore(client, { schema }),
      views: new PostgresViewStore(rows, { schema }),
      checkpoints: new PostgresCheckpointStore(rows, { schema }),
      ...(keys === undefined ? {} : { keys }),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** A function instance serves one request at a time: a small pool spares the database's connections. */
function poolSize(): number {
  return Number(process.env.EDD_DB_POOL_SIZE || 4);
}
