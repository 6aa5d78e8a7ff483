export { DynamoTable, ensureTable, type DynamoTableOptions } from "./client.js";
export { DynamoStore } from "./store.js";
export { dynamoImporter } from "./importer.js";
