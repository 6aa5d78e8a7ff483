import { afterAll, beforeAll } from "vitest";
import { dynamoImporter } from "../adapters/dynamodb/importer.js";
import { memoryImporter } from "../adapters/memory/importer.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { sqlImporter } from "../adapters/sql/importer.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { describeImporterContract } from "./importer-contract.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

describeImporterContract("memory", async () => {
  const store = new MemoryStore();
  return { store, importer: memoryImporter(store), close: async () => {} };
});

// Starting PGlite takes a second: one in-memory instance, a fresh schema per test.
let pglite: Promise<SqlClient> | undefined;
let count = 0;
describeImporterContract("pglite", async () => {
  pglite ??= createPgliteClient();
  const client = await pglite;
  const schema = `importer_${++count}`;
  await migrate(client, schema);
  return {
    store: new SqlStore({ ...client, close: async () => {} }, { schema }),
    importer: sqlImporter(client, { schema }),
    close: async () => {},
  };
});
afterAll(async () => {
  await (await pglite)?.close();
});

describePostgres("PostgreSQL importer", () => {
  const schemas: string[] = [];
  describeImporterContract("postgres", async () => {
    const schema = testSchema();
    schemas.push(schema);
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 2 });
    await migrate(client, schema);
    return { store: new SqlStore(client, { schema }), importer: sqlImporter(client, { schema }), close: () => client.close() };
  });
  afterAll(() => dropSchemas(schemas));
});

describeDynamo("DynamoDB importer on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());
  // Two feed shards: an import's parts append to shards other commits share.
  describeImporterContract("dynamodb", async () => {
    const store = table.store({ feedShards: 2 });
    return { store, importer: dynamoImporter(store), close: () => store.close() };
  });
});
