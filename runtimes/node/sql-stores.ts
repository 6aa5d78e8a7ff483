import { resolve } from "node:path";
import { createPgliteClient, defaultDataDir } from "../../adapters/pglite/index.js";
import { ensureCheckpointTables, PostgresCheckpointStore } from "../../adapters/postgres/checkpoints.js";
import { createPostgresClient } from "../../adapters/postgres/index.js";
import { ensureViewTables, PostgresViewStore, type ViewSqlClient } from "../../adapters/postgres/view-store.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { migrate } from "../../adapters/sql/migrations.js";
import { defaultSchema } from "../../adapters/sql/schema.js";
import { SqlStore } from "../../adapters/sql/store.js";
import type { AuditReader } from "../../core/ports/audit.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { ViewStore } from "../../core/ports/view-store.js";

/** Events, views, checkpoints and the audit reader of one SQL database, sharing one client. */
export interface SqlStores {
  readonly store: SqlStore;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly audit: AuditReader;
  /** Where the data lives, safe to print (no password). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * The on-prem default: PostgreSQL at $DATABASE_URL, else embedded PGlite persisted in
 * $EDD_DATA_DIR (default .edd-data); schema $EDD_SCHEMA (default edd). Migrates on open.
 * PGlite allows one process per folder, so every store shares this one client.
 */
export async function openSqlStoresFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<SqlStores> {
  const schema = env.EDD_SCHEMA || defaultSchema;
  const url = env.DATABASE_URL || undefined;
  const dataDir = resolve(env.EDD_DATA_DIR || defaultDataDir);
  const client: SqlClient = url === undefined ? await createPgliteClient(dataDir) : createPostgresClient({ connectionString: url });
  await migrate(client, schema);
  const views = viewSqlClient(client);
  await ensureViewTables(views, schema);
  await ensureCheckpointTables(views, schema);
  const store = new SqlStore(client, { schema });
  return {
    store,
    views: new PostgresViewStore(views, { schema }),
    checkpoints: new PostgresCheckpointStore(views, { schema }),
    audit: store.auditReader(),
    description: url === undefined ? `pglite ${dataDir} schema ${schema}` : `postgres ${withoutCredentials(url)} schema ${schema}`,
    close: () => client.close(),
  };
}

function viewSqlClient(client: SqlClient): ViewSqlClient {
  return { query: async (text, params) => ({ rows: await client.query(text, params) }) };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}
