import { describeAuditReaderContract } from "edd/testing/contracts";
import { afterAll, beforeAll } from "vitest";
import { memoryBackend } from "../adapters/memory/backend.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { dynamoBackend } from "../adapters/dynamodb/backend.js";
import { describePostgres, dropSchemas } from "./store-postgres-support.js";
import { pgliteSchemaBackend, postgresBackend } from "./support/data-cli.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

// The audit reader of every adapter family, on the backend its factory makes.
describeAuditReaderContract("memory", async () => memoryBackend());

let pglite: SqlClient | undefined;
beforeAll(async () => {
  pglite = await createPgliteClient();
}, 60_000);
afterAll(() => pglite?.close());
describeAuditReaderContract("pglite", async () => pgliteSchemaBackend(pglite as SqlClient));

describePostgres("on PostgreSQL", () => {
  const clients: SqlClient[] = [];
  const schemas: string[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await dropSchemas(schemas);
  });
  describeAuditReaderContract("postgres", async () => ({ ...(await postgresBackend(clients, schemas)), close: async () => {} }));
});

describeDynamo("on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());
  describeAuditReaderContract("dynamodb", async () =>
    dynamoBackend({ tableName: table.tableName, client: table.client, namespace: crypto.randomUUID(), views: new MemoryViewStore() }),
  );
});
