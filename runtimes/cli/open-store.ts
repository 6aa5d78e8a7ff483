import { SqlStore } from "../../adapters/sql/store.js";
import type { Store } from "../../core/ports/store.js";
import { dynamoTargetFromEnv, openDynamoStore } from "../node/dynamodb-stores.js";
import { describeSqlTarget, openSqlDatabaseFromEnv } from "../../adapters/sql/from-env.js";

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

/** Which store `openStoreFromEnv` picks, safe to print: never the password. */
export function describeStoreTarget(env: NodeJS.ProcessEnv = process.env): string {
  return dynamoTargetFromEnv(env)?.description ?? describeSqlTarget(env);
}
