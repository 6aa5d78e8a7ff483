import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { DynamoStore } from "../../adapters/dynamodb/store.js";

/**
 * DynamoDB from the environment: on when $DYNAMODB_ENDPOINT (e.g. DynamoDB Local) or
 * $EDD_DYNAMODB_TABLE is set. Table $EDD_DYNAMODB_TABLE (default "edd"), key namespace
 * $EDD_DYNAMODB_NAMESPACE (default none), feed shards $EDD_DYNAMODB_FEED_SHARDS (default 16).
 * Region and credentials come from the AWS SDK's usual variables and files; against an explicit
 * endpoint without them, a placeholder region and credentials (DynamoDB Local checks neither).
 */
export interface DynamoTarget {
  readonly tableName: string;
  readonly namespace: string;
  readonly feedShards?: number;
  readonly clientConfig: DynamoDBClientConfig;
  /** Where the data lives, safe to print (never a credential). */
  readonly description: string;
}

export function dynamoTargetFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoTarget | undefined {
  const endpoint = env.DYNAMODB_ENDPOINT || undefined;
  const table = env.EDD_DYNAMODB_TABLE || undefined;
  if (endpoint === undefined && table === undefined) return undefined;
  const tableName = table ?? "edd";
  const namespace = env.EDD_DYNAMODB_NAMESPACE ?? "";
  // Unset: the store's own default.
  const feedShards = env.EDD_DYNAMODB_FEED_SHARDS ? Number(env.EDD_DYNAMODB_FEED_SHARDS) : undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint === undefined ? undefined : "local");
  const hasCredentials = Boolean(
    env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
  const clientConfig: DynamoDBClientConfig = {
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(endpoint !== undefined && !hasCredentials ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  };
  const where = endpoint === undefined ? `region ${region ?? "(from the AWS configuration)"}` : endpoint;
  return {
    tableName,
    namespace,
    ...(feedShards === undefined ? {} : { feedShards }),
    clientConfig,
    description: `dynamodb ${where} table ${tableName}${namespace === "" ? "" : ` namespace ${namespace}`}`,
  };
}

/** Opens the store on the target, creating the table first when it does not exist. */
export async function openDynamoStore(target: DynamoTarget): Promise<DynamoStore> {
  // The AWS SDK is an optional peer: loaded only when DynamoDB is chosen.
  const [{ DynamoTable, ensureTable }, { DynamoStore }] = await Promise.all([
    import("../../adapters/dynamodb/client.js"),
    import("../../adapters/dynamodb/store.js"),
  ]);
  const table = new DynamoTable({ tableName: target.tableName, clientConfig: target.clientConfig });
  try {
    await ensureTable(table);
  } finally {
    table.close();
  }
  return new DynamoStore({
    tableName: target.tableName,
    namespace: target.namespace,
    clientConfig: target.clientConfig,
    ...(target.feedShards === undefined ? {} : { feedShards: target.feedShards }),
  });
}
