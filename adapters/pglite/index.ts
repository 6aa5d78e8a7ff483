// `edd/pglite`: PostgreSQL compiled to WebAssembly, in process (an optional peer: npm install @electric-sql/pglite).
export { createPgliteClient } from "../sql/drivers/pglite.js";
export { createPgliteStore, defaultDataDir, type PgliteStoreOptions } from "./store.js";
export { sqlBackend, type SqlBackend, type SqlBackendOptions } from "../sql/backend.js";
export { migrate, type MigrationReport } from "../sql/migrations.js";
export {
  type ComponentReport,
  defaultSqlComponents,
  migrateSql,
  type SqlComponent,
  type SqlMigrationTarget,
} from "../sql/component-migrations.js";
export { connectionClient, type SqlConnection } from "../sql/connection.js";
export { SqlStore, type SqlStoreOptions } from "../sql/store.js";
export { type SqlBatchMessage, sqlBatchChannelName } from "../sql/batcher.js";
export { recordSqlBatches } from "../sql/batch-metrics.js";
