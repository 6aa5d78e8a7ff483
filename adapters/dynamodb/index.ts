export { DynamoTable, ensureTable, type DynamoTableOptions } from "./client.js";
export { DynamoStore, type DynamoStoreOptions, defaultFeedShards } from "./store.js";
export { DynamoCheckpointStore } from "./checkpoints.js";
export { dynamoImporter } from "./importer.js";
export { TransactionTooLargeError, transactionLimits } from "./transaction.js";
