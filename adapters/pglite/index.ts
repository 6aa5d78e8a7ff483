export { createPgliteClient } from "./client.js";
export { createPgliteStore, defaultDataDir, type PgliteStoreOptions } from "./store.js";
