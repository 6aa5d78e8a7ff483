import { migrateOrClose } from "../../core/ports/backend.js";
import { migrate } from "../sql/migrations.js";
import { defaultSchema } from "../sql/schema.js";
import { SqlStore, type SqlStoreOptions } from "../sql/store.js";
import { createPostgresClient } from "../sql/drivers/postgres.js";

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** e.g. postgres://user@host:5432/db */
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Apply pending migrations before returning (default true; `edd migrate` does it as an operator step). */
  readonly migrate?: boolean;
}

/** The production store: PostgreSQL through a pg connection pool. Schema defaults to "edd". */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const { connectionString, poolSize, migrate: shouldMigrate, ...storeOptions } = options;
  const schema = options.schema ?? defaultSchema;
  const client = createPostgresClient({ connectionString, ...(poolSize === undefined ? {} : { poolSize }) });
  if (shouldMigrate !== false) await migrateOrClose({ migrate: () => migrate(client, schema), close: () => client.close() });
  return new SqlStore(client, { ...storeOptions, schema });
}
