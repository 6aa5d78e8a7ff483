import { dynamoTargetFromEnv } from "../../adapters/dynamodb/from-env.js";
import { describeSqlTarget } from "../../adapters/sql/from-env.js";
import type { Store } from "../../core/ports/store.js";
import { openBackendFromEnv } from "../node/stores.js";
import { openBackendFor } from "./backend.js";
import type { EddConfig } from "./config.js";
import { openKeysFor, sealedStore } from "./personal-data.js";

/**
 * The event store of `openBackendFromEnv`'s backend: DynamoDB when $DYNAMODB_ENDPOINT or
 * $EDD_DYNAMODB_TABLE is set, else PostgreSQL at $DATABASE_URL, else the embedded PGlite store in
 * $EDD_DATA_DIR (default .edd-data), in the schema $EDD_SCHEMA (default "edd"). The same rules as
 * the bank example, so `edd` finds its data. Closing the store closes the backend's connection.
 */
export async function openStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  return (await openBackendFromEnv(env, { poolSize: 2 })).store;
}

/**
 * The config's `openStore`, else the backend's store, with the services' personal data sealed
 * when they declare any and a key store is available (docs/privacy.md): what commands that write use.
 */
export async function openSealedStore(context: { readonly config: EddConfig; readonly env: NodeJS.ProcessEnv }): Promise<Store> {
  const { config, env } = context;
  if (config.openStore !== undefined) return sealedStore(await config.openStore(env), config, await openKeysFor(config, env));
  const backend = await openBackendFor(context, { poolSize: 2 });
  return sealedStore(backend.store, config, await openKeysFor(config, env, backend));
}

/** Which store `openStoreFromEnv` picks, safe to print: never the password. */
export function describeStoreTarget(env: NodeJS.ProcessEnv = process.env): string {
  return dynamoTargetFromEnv(env)?.description ?? describeSqlTarget(env);
}
