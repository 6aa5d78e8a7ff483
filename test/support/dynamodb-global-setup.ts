import type { TestProject } from "vitest/node";
import { dynamoLocalUnavailable, spawnDynamoLocal } from "./dynamodb-local.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the DynamoDB suites find DynamoDB: an endpoint, or why there is none. */
    dynamodb: { readonly endpoint: string } | { readonly unavailable: string };
  }
}

/**
 * One DynamoDB Local for the whole test run, shared by every DynamoDB suite (each works in its own
 * table or namespace). It is spawned, not awaited: a run without DynamoDB suites does not wait for
 * the JVM, and the suites wait until it answers (test/support/dynamodb.ts). $DYNAMODB_ENDPOINT
 * points the suites at a DynamoDB already running instead.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DYNAMODB_ENDPOINT) {
    project.provide("dynamodb", { endpoint: process.env.DYNAMODB_ENDPOINT });
    return undefined;
  }
  const unavailable = dynamoLocalUnavailable();
  if (unavailable !== undefined) {
    project.provide("dynamodb", { unavailable });
    return undefined;
  }
  try {
    const local = await spawnDynamoLocal();
    project.provide("dynamodb", { endpoint: local.endpoint });
    return () => local.stop();
  } catch (error) {
    project.provide("dynamodb", { unavailable: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}
