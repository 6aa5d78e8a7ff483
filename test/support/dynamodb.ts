import { randomBytes } from "node:crypto";
import { beforeAll, describe, inject, it } from "vitest";
import { DynamoTable, ensureTable } from "../../adapters/dynamodb/client.js";
import { DynamoStore, type DynamoStoreOptions } from "../../adapters/dynamodb/store.js";
import { dynamoReady, localClientConfig } from "./dynamodb-local.js";

/**
 * The DynamoDB every DynamoDB suite uses (test/support/dynamodb-global-setup.ts starts it), or
 * why there is none. With EDD_REQUIRE_DYNAMODB=1 (set by .ci/run) a missing DynamoDB fails the run.
 */
export function dynamoEndpoint(): string | { readonly unavailable: string } {
  const target = inject("dynamodb");
  if ("endpoint" in target) return target.endpoint;
  if (process.env.EDD_REQUIRE_DYNAMODB === "1")
    throw new Error(`DynamoDB Local is required (EDD_REQUIRE_DYNAMODB=1): ${target.unavailable}`);
  return target;
}

/** `describe` on DynamoDB, or a skipped suite that says why there is no DynamoDB. */
export function describeDynamo(name: string, body: (endpoint: string) => void): void {
  const endpoint = dynamoEndpoint();
  if (typeof endpoint === "string") {
    describe(name, () => {
      // Before the suite's own hooks: DynamoDB Local may still be booting.
      beforeAll(() => dynamoReady(endpoint), 120_000);
      body(endpoint);
    });
    return;
  }
  describe.skip(`${name} (SKIPPED: ${endpoint.unavailable})`, () => {
    it("runs when DynamoDB Local can start", () => {});
  });
}

export const dynamoClientConfig = localClientConfig;

/** A fresh table for a test file; stores on it each get their own namespace, so each starts empty. */
export async function dynamoTable(endpoint: string, tableName = `edd-test-${randomBytes(4).toString("hex")}`) {
  await dynamoReady(endpoint);
  const table = new DynamoTable({ tableName, clientConfig: localClientConfig(endpoint) });
  await ensureTable(table);
  return {
    tableName,
    client: table.client,
    store: (options: Partial<DynamoStoreOptions> = {}) =>
      new DynamoStore({ tableName, namespace: randomBytes(6).toString("hex"), client: table.client, ...options }),
    close: () => table.close(),
  };
}
