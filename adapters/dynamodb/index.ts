export { DynamoTable, ensureTable, type DynamoTableOptions, type EnsureTableOptions } from "./client.js";
export { DynamoStore, type DynamoStoreOptions, defaultFeedShards } from "./store.js";
export { DynamoCheckpointStore } from "./checkpoints.js";
export { dynamoImporter } from "./importer.js";
export { dynamoRequestLogPruner } from "./prune.js";
export { indexStoredResponses } from "./responses-index.js";
export { TransactionTooLargeError, transactionLimits } from "./transaction.js";
export { realmsWithNewEvents, type StreamRecordLike } from "./streams.js";
