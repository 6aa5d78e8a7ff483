import { SqlStore } from "../../adapters/sql/store.js";
import type { Store } from "../../core/ports/store.js";
import { dynamoTargetFromEnv, openDynamoStore } from "../node/dynamodb-stores.js";
import { describeSqlTarget, openSqlDatabaseFromEnv } from "../../adapters/sql/from-env.js";
import type { EddConfig } from "./config.js";
import { openKeysFor, sealedStore } from "./personal-data.js";

/**
 * The store every CLI command opens when the config has no `openStore`: DynamoDB when
 * $DYNAMODB_ENDPOINT or $EDD_DYNAMODB_TABLE is set, else PostgreSQL at $DATABASE_URL, else the
 * embedded PGlite store in $EDD_DATA_DIR (default .edd-data), in the schema $EDD_SCHEMA (default
 * "edd"). The same rules as the bank example, so `edd` finds its data.
 */
export async function openStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const dynamo = dynamoTargetFromEnv(env);
  if (dynamo !== undefined) return openDynamoStore(dynamo);
  const { client, schema } = await openSqlDatabaseFromEnv(env, { poolSize: 2 });
  return new SqlStore(client, { schema });
}

/**
 * The config's store, else `openStoreFromEnv`'s, with the services' personal data sealed when
 * they declare any and a key store is available (docs/privacy.md): what commands that write use.
 */
export async function openSealedStore(context: { readonly config: EddConfig; readonly env: NodeJS.ProcessEnv }): Promise<Store> {
  const { config, env } = context;
  if (config.openStore !== undefined || dynamoTargetFromEnv(env) !== undefined) {
    const store = await (config.openStore ?? openStoreFromEnv)(env);
    return sealedStore(store, config, await openKeysFor(config, env));
  }
  const { client, schema } = await openSqlDatabaseFromEnv(env, { poolSize: 2 });
  return sealedStore(new SqlStore(client, { schema }), config, await openKeysFor(config, env, { client, schema }));
}

/** Which store `openStoreFromEnv` picks, safe to print: never the password. */
export function describeStoreTarget(env: NodeJS.ProcessEnv = process.env): string {
  return dynamoTargetFromEnv(env)?.description ?? describeSqlTarget(env);
}
