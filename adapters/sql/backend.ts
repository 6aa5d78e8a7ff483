import type { Backend } from "../../core/ports/backend.js";
import { PostgresCheckpointStore } from "./checkpoints.js";
import { sqlAuditReader } from "./audit.js";
import type { SqlClient } from "./client.js";
import { sqlImporter } from "./importer.js";
import { defaultSqlComponents, migrateSql, type SqlComponent } from "./component-migrations.js";
import { sqlRequestLogPruner } from "./prune.js";
import { defaultSchema } from "./schema.js";
import { SqlStore } from "./store.js";
import { PostgresViewStore, type ViewSqlClient } from "./view-store.js";

/** The SQL family's backend: every store on one client (PostgreSQL or PGlite), in one schema. */
export interface SqlBackend extends Backend {
  readonly store: SqlStore;
  /** The database the stores share, for what else lives beside them (the key store of personal data). */
  readonly sql: { readonly client: SqlClient; readonly schema: string };
}

export interface SqlBackendOptions {
  /** Default "edd". */
  readonly schema?: string;
  /** Where the data lives, safe to print; default "sql schema <schema>". */
  readonly description?: string;
  /** The migration sets `migrate()` applies; default store, views, checkpoints and keys (as `edd migrate`). */
  readonly components?: readonly SqlComponent[];
}

/**
 * Every store of one SQL database on one client, not migrated yet: `migrate()` applies the
 * versioned migration sets (adapters/sql/component-migrations.ts). `close()` closes the client.
 * PGlite allows one process per folder, so every store of a process must share this one client.
 */
export function sqlBackend(client: SqlClient, options: SqlBackendOptions = {}): SqlBackend {
  const schema = options.schema ?? defaultSchema;
  const views = viewSqlClient(client);
  const store = new SqlStore(client, { schema });
  const importer = sqlImporter(client, { schema });
  return {
    store,
    views: new PostgresViewStore(views, { schema }),
    checkpoints: new PostgresCheckpointStore(views, { schema }),
    audit: sqlAuditReader(client, { schema }),
    importer,
    identities: importer,
    records: importer,
    pruner: sqlRequestLogPruner(client, { schema }),
    description: options.description ?? `sql schema ${schema}`,
    sql: { client, schema },
    async migrate() {
      await migrateSql(client, { schema, components: options.components ?? defaultSqlComponents });
    },
    close: () => client.close(),
  };
}

/** The view and checkpoint stores take `{ rows }` answers; the SQL client answers rows. */
export function viewSqlClient(client: SqlClient): ViewSqlClient {
  return { query: async (text, params) => ({ rows: await client.query(text, params) }) };
}
