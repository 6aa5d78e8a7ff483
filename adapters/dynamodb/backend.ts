import type { Backend } from "../../core/ports/backend.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { feedAggregateLister } from "../../core/pipeline/operations/verify.js";
import { dynamoAuditReader } from "./audit.js";
import { DynamoCheckpointStore } from "./checkpoints.js";
import { ensureTable } from "./client.js";
import { dynamoImporter } from "./importer.js";
import { dynamoRequestLogPruner } from "./prune.js";
import { DynamoStore, type DynamoStoreOptions } from "./store.js";

export interface DynamoBackendOptions extends DynamoStoreOptions {
  /** Where the projections write: edd has no view store on DynamoDB (in memory, OpenSearch, …). Closed with the backend. */
  readonly views: ViewStore;
  /**
   * Default: in the store's table. Views that do not outlive the process (in memory) want
   * checkpoints that do not either, so the projections rebuild them at start.
   */
  readonly checkpoints?: CheckpointStore;
  /** Where the data lives, safe to print; default "dynamodb table <name>". */
  readonly description?: string;
}

/**
 * Every store of one DynamoDB table (and namespace), not migrated yet: `migrate()` creates the
 * table when it does not exist (items need no migration). Aggregates are listed from the feed.
 */
export function dynamoBackend(options: DynamoBackendOptions): Backend {
  const { views, checkpoints, description, ...storeOptions } = options;
  const store = new DynamoStore(storeOptions);
  const importer = dynamoImporter(store);
  return {
    store,
    views,
    checkpoints: checkpoints ?? new DynamoCheckpointStore(store.table),
    audit: dynamoAuditReader(store),
    listAggregates: feedAggregateLister(store),
    importer,
    identities: importer,
    records: importer,
    pruner: dynamoRequestLogPruner(store),
    description: description ?? `dynamodb table ${store.table.name}`,
    async migrate() {
      await ensureTable(store.table);
    },
    async close() {
      await Promise.all([store.close(), views.close()]);
    },
  };
}
