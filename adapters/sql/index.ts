// `edd/sql`: the SQL family chosen by the environment: PostgreSQL at $DATABASE_URL, else embedded
// PGlite. Each driver (pg, @electric-sql/pglite) is loaded only when chosen.
export { describeSqlTarget, openSqlBackendFromEnv } from "./from-env.js";
export { sqlBackend, viewSqlClient, type SqlBackend, type SqlBackendOptions } from "./backend.js";
export type { SqlClient, SqlExecutor } from "./client.js";
export { migrate, migrations, type Migration, type MigrationReport } from "./migrations.js";
export {
  type ComponentReport,
  defaultSqlComponents,
  migrateSql,
  type SqlComponent,
  type SqlMigrationTarget,
} from "./component-migrations.js";
export { connectionClient, type SqlConnection } from "./connection.js";
export { checkSchemaName, defaultDataDir, defaultSchema } from "./schema.js";
export { SqlStore, type LoggedRequest, type SqlStoreOptions } from "./store.js";
export { sqlAuditReader } from "./audit.js";
export { sqlImporter } from "./importer.js";
// The hash chain every edd store writes, for third-party stores until it moves to edd/ports.
export { canonicalJson, eventHash, verifyChain, type ChainBreak, type HashedEventFields } from "./hash.js";
export { sqlRequestLogPruner } from "./prune.js";
// Each batched statement's size, wait and round trip, for whoever subscribes (node:diagnostics_channel).
export { type SqlBatchMessage, sqlBatchChannelName } from "./batcher.js";
export { recordSqlBatches } from "./batch-metrics.js";
