// `edd/postgres`: PostgreSQL through pg (an optional peer: npm install pg).
export { createPostgresClient, type PostgresClientOptions } from "../sql/drivers/postgres.js";
export { createPostgresStore, type PostgresStoreOptions } from "./store.js";
export { sqlBackend, type SqlBackend, type SqlBackendOptions } from "../sql/backend.js";
export { PostgresViewStore, type ViewSqlClient } from "../sql/view-store.js";
export { PostgresCheckpointStore } from "../sql/checkpoints.js";
export { PostgresQueueTransport, type PostgresQueueOptions } from "./queue/index.js";
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
// Each batched statement's size, wait and round trip, for whoever subscribes (node:diagnostics_channel).
export { type SqlBatchMessage, sqlBatchChannelName } from "../sql/batcher.js";
export { recordSqlBatches } from "../sql/batch-metrics.js";
