// `edd/key-store-sql`: subject keys for personal data in a SQL table, wrapped by a master key or a KMS.
export { SqlKeyStore, type SqlKeyStoreOptions } from "./key-store.js";
export { openSqlKeyStore } from "./open.js";
