import { afterAll, beforeAll, describe } from "vitest";
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
import { type DynamoTarget, dynamoStores, startDynalite } from "./support/dynalite.js";

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

describe("DynamoDB importer on dynalite", () => {
  let target: DynamoTarget;
  let stores: Awaited<ReturnType<typeof dynamoStores>>;
  beforeAll(async () => {
    target = await startDynalite();
    stores = await dynamoStores(target);
  });
  afterAll(async () => {
    await stores.drop();
    await target.close();
  });
  // Atomic per realm-log entry only: the all-or-nothing cases wait for the DynamoDB rewrite on transactions.
  describeImporterContract(
    "dynamodb (dynalite)",
    async () => {
      const store = stores.create();
      return { store, importer: dynamoImporter(store), close: async () => {} };
    },
    { atomic: false },
  );
});
