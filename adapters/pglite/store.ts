import { migrateOrClose } from "../../core/ports/backend.js";
import { migrate } from "../sql/migrations.js";
import { defaultDataDir, defaultSchema } from "../sql/schema.js";
import { SqlStore, type SqlStoreOptions } from "../sql/store.js";
import { createPgliteClient } from "../sql/drivers/pglite.js";

export { defaultDataDir };

export interface PgliteStoreOptions extends SqlStoreOptions {
  /** Folder the database persists in; in memory (gone on close) when omitted. */
  readonly dataDir?: string;
}

/** The embedded default: the same SQL store on PGlite, no server to run. Migrates on open. */
export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<SqlStore> {
  const { dataDir, ...storeOptions } = options;
  const schema = options.schema ?? defaultSchema;
  const client = await createPgliteClient(dataDir);
  await migrateOrClose({ migrate: () => migrate(client, schema), close: () => client.close() });
  return new SqlStore(client, { ...storeOptions, schema });
}
