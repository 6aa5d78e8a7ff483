// Test-only: what the suites that move a realm between backends (export-import, realm-move) share.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { SqlClient } from "../../adapters/sql/client.js";
import type { Backend } from "../../core/ports/backend.js";
import { exportCommand } from "../../runtimes/cli/export.js";
import { dropSchemas } from "../store-postgres-support.js";
import { dynamoBackendOn, pgliteBackend, postgresBackend, realm, runCli } from "./data-cli.js";
import { dynamoEndpoint, dynamoTable } from "./dynamodb.js";

/**
 * Backends for one test file, each fresh when asked for: PGlite, a schema of the test PostgreSQL,
 * a namespace of a DynamoDB Local table (when it runs), and a folder for the files moved. All
 * closed, dropped and removed after the file.
 */
export function moveFixture(prefix: string) {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const endpoint = dynamoEndpoint();
  let dynamo: Awaited<ReturnType<typeof dynamoTable>> | undefined;
  const clients: SqlClient[] = [];
  const schemas: string[] = [];
  beforeAll(async () => {
    if (typeof endpoint === "string") dynamo = await dynamoTable(endpoint);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    dynamo?.close();
    await dropSchemas(schemas);
    rmSync(folder, { recursive: true, force: true });
  });
  const file = (name: string) => join(folder, `${name}.jsonl`);
  return {
    /** Why there is no DynamoDB, or its endpoint. */
    endpoint,
    file,
    pglite: () => pgliteBackend(clients),
    postgres: () => postgresBackend(clients, schemas),
    dynamo: () => dynamoBackendOn(dynamo),
    /** `edd export` of the realm into `name`; the file's text. */
    async exportTo(backend: Backend, name: string): Promise<string> {
      const result = await runCli(exportCommand, backend, ["--realm", realm, "--out", file(name)]);
      expect(result.code, result.err).toBe(0);
      return readFileSync(file(name), "utf8");
    },
  };
}
