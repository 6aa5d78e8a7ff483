import { dynamoTargetFromEnv } from "../../adapters/dynamodb/from-env.js";
import { type Backend, migrateOrClose } from "../../core/ports/backend.js";

/**
 * The deployment's backend, opened and migrated: DynamoDB when $DYNAMODB_ENDPOINT or
 * $EDD_DYNAMODB_TABLE is set (adapters/dynamodb/from-env.ts), else PostgreSQL at $DATABASE_URL,
 * else embedded PGlite (adapters/sql/from-env.ts). On DynamoDB the views and checkpoints are in
 * memory: the projections rebuild them from the feed each time the process starts. A SQL
 * backend is an `SqlBackend` (edd/sql), whose database also holds the key store of personal data.
 */
export async function openBackendFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { readonly poolSize?: number } = {},
): Promise<Backend> {
  const target = dynamoTargetFromEnv(env);
  // Loaded only when chosen, so a bundle that imports edd/node carries neither family at start.
  if (target === undefined) return (await import("../../adapters/sql/from-env.js")).openSqlBackendFromEnv(env, options);
  const [{ dynamoBackend }, { MemoryViewStore }, { MemoryCheckpointStore }] = await Promise.all([
    import("../../adapters/dynamodb/backend.js"),
    import("../../adapters/memory/view-store.js"),
    import("../../adapters/memory/checkpoints.js"),
  ]);
  const backend = dynamoBackend({
    tableName: target.tableName,
    namespace: target.namespace,
    clientConfig: target.clientConfig,
    ...(target.feedShards === undefined ? {} : { feedShards: target.feedShards }),
    views: new MemoryViewStore(),
    checkpoints: new MemoryCheckpointStore(),
    description: `${target.description} (views in memory, projected from the feed at start)`,
  });
  return migrateOrClose({ ...backend, volatileViews: true });
}

/** @deprecated The name before edd had one Backend type: use `openBackendFromEnv`. */
export const openStoresFromEnv = openBackendFromEnv;
