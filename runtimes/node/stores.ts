import type { SqlClient } from "../../adapters/sql/client.js";
import type { AuditReader } from "../../core/ports/audit.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";

/** The stores a Node process serves from: events, views, checkpoints and (on SQL) the audit reader. */
export interface NodeStores {
  readonly store: Store;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  /** The explorer's reader; only the SQL stores have one. */
  readonly audit?: AuditReader;
  /** Where the data lives, safe to print. */
  readonly description: string;
  /** The SQL database beneath, when the stores are SQL: the key store of personal data lives there too. */
  readonly sql?: { readonly client: SqlClient; readonly schema: string };
  close(): Promise<void>;
}

/**
 * DynamoDB when $DYNAMODB_ENDPOINT or $EDD_DYNAMODB_TABLE is set (runtimes/node/dynamodb-stores.ts),
 * else PostgreSQL at $DATABASE_URL, else embedded PGlite. On DynamoDB the views and checkpoints
 * are in memory: the projections rebuild them from the feed each time the process starts.
 */
export async function openStoresFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<NodeStores> {
  const { dynamoTargetFromEnv, openDynamoStore } = await import("./dynamodb-stores.js");
  const target = dynamoTargetFromEnv(env);
  // Loaded only when chosen, so a bundle that imports edd/node carries neither store at start.
  if (target === undefined) return (await import("../../adapters/sql/from-env.js")).openSqlStoresFromEnv(env);
  const [{ MemoryViewStore }, { MemoryCheckpointStore }] = await Promise.all([
    import("../../adapters/memory/view-store.js"),
    import("../../adapters/memory/checkpoints.js"),
  ]);
  const store = await openDynamoStore(target);
  return {
    store,
    views: new MemoryViewStore(),
    checkpoints: new MemoryCheckpointStore(),
    description: `${target.description} (views in memory, projected from the feed at start)`,
    close: () => store.close(),
  };
}
