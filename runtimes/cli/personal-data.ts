import { openSqlKeyStore } from "../../adapters/key-store-sql/open.js";
import { nodeCipher } from "../../adapters/node-crypto/cipher.js";
import type { SqlBackend } from "../../adapters/sql/backend.js";
import type { Backend } from "../../core/ports/backend.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import { holdsPersonalData, PrivateStore, protectPersonalData, protectPersonalViews } from "../../core/privacy/index.js";
import type { EddConfig } from "./config.js";

/** What a command says when the services declare personal data but no key store can be opened. */
export const noKeyStore =
  "the services declare personal data but no key store is configured: set EDD_MASTER_KEY (32 bytes, base64) or give the config openKeyStore";

/**
 * The key store of a deployment whose services declare personal data (docs/privacy.md): the
 * config's `openKeyStore`, else the SQL table beside the events (a SQL backend's database) when
 * $EDD_MASTER_KEY is set.
 * Undefined when the services declare none, or when neither is available.
 */
export async function openKeysFor(config: EddConfig, env: NodeJS.ProcessEnv, backend?: Backend): Promise<KeyStore | undefined> {
  if (!holdsPersonalData(config.services)) return undefined;
  if (config.openKeyStore !== undefined) return config.openKeyStore(env);
  const db = (backend as Partial<SqlBackend> | undefined)?.sql;
  if (db === undefined || (env.EDD_MASTER_KEY ?? "") === "") return undefined;
  return openSqlKeyStore(db.client, { schema: db.schema, env });
}

/** The store with the services' personal data sealed by `keys`; the store itself without keys. */
export function sealedStore(store: Store, config: EddConfig, keys: KeyStore): PrivateStore;
export function sealedStore(store: Store, config: EddConfig, keys: KeyStore | undefined): Store;
export function sealedStore(store: Store, config: EddConfig, keys: KeyStore | undefined): Store {
  return keys === undefined ? store : protectPersonalData(store, { services: config.services, keys, cipher: nodeCipher });
}

/** The views with the personal fields of the config's projections sealed, when `store` seals (the same keys). */
export function sealedViews(views: ViewStore, store: Store, config: EddConfig): ViewStore {
  return store instanceof PrivateStore ? protectPersonalViews(views, store, config.projections ?? []) : views;
}
