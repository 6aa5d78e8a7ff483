import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

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
