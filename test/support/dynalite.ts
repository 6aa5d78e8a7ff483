import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoTable, ensureTable } from "../../adapters/dynamodb/client.js";
import { DynamoStore } from "../../adapters/dynamodb/store.js";

/** dynalite ships no types: the one call used here. */
type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)("dynalite") as DynaliteFactory;

export interface DynamoTarget {
  readonly description: string;
  readonly endpoint?: string;
  /** Creates a fresh table for the caller (the emulator or a prefixed table on real DynamoDB). */
  readonly tableName: string;
  close(): Promise<void>;
}

/** dynalite (in memory, LevelDB in process) on a free loopback port. */
export async function startDynalite(): Promise<DynamoTarget> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    description: "dynalite",
    endpoint: `http://127.0.0.1:${port}`,
    tableName: "edd-test",
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * A real DynamoDB when configured: DYNAMODB_ENDPOINT (e.g. DynamoDB Local), or AWS credentials in
 * the environment together with EDD_DYNAMODB_TABLE_PREFIX (tables are created and dropped under
 * that prefix). Undefined, with the reason, otherwise.
 */
export function realDynamoTarget(env: NodeJS.ProcessEnv = process.env): DynamoTarget | string {
  const endpoint = env.DYNAMODB_ENDPOINT || undefined;
  const prefix = env.EDD_DYNAMODB_TABLE_PREFIX || undefined;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
  if (endpoint === undefined && !(hasCredentials && prefix !== undefined)) {
    return "set DYNAMODB_ENDPOINT, or AWS credentials and EDD_DYNAMODB_TABLE_PREFIX";
  }
  return {
    description: endpoint === undefined ? "AWS DynamoDB" : `DynamoDB at ${endpoint}`,
    ...(endpoint === undefined ? {} : { endpoint }),
    tableName: `${prefix ?? "edd-"}test-${randomBytes(4).toString("hex")}`,
    close: async () => {},
  };
}

/** Client settings for a target: dummy credentials for an endpoint that does not check them. */
export function clientConfig(target: DynamoTarget) {
  if (target.endpoint === undefined) return {};
  return {
    endpoint: target.endpoint,
    region: process.env.AWS_REGION ?? "local",
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
    },
  };
}

/** Stores sharing the target's table, each in a namespace of its own: a fresh, empty store per call. */
export async function dynamoStores(target: DynamoTarget) {
  const table = new DynamoTable({ tableName: target.tableName, clientConfig: clientConfig(target) });
  await ensureTable(table);
  return {
    create: (namespace = randomBytes(6).toString("hex")) =>
      new DynamoStore({ tableName: target.tableName, namespace, client: table.client }),
    async drop() {
      if (target.description !== "dynalite") await table.client.send(new DeleteTableCommand({ TableName: target.tableName }));
      table.close();
    },
  };
}
