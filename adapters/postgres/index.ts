export { createPostgresClient, type PostgresClientOptions } from "./client.js";
export { createPostgresStore, type PostgresStoreOptions } from "./store.js";
