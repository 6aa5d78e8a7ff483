export type { SqlClient, SqlExecutor } from "./client.js";
export type { CommitHooks, CommitStep } from "./commit.js";
export { canonicalJson, eventHash, verifyChain, type ChainBreak, type HashedEventFields } from "./hash.js";
export { migrate, migrations, type Migration, type MigrationReport } from "./migrations.js";
export { checkSchemaName, defaultSchema } from "./schema.js";
export { SqlStore, type LoggedRequest, type SqlStoreOptions } from "./store.js";
