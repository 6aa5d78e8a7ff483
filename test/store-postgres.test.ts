import { afterAll } from "vitest";
import { createPostgresStore } from "../adapters/postgres/index.js";
import { describeStoreContract } from "edd/testing/contracts";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const schemas: string[] = [];

describePostgres("PostgreSQL store", () => {
  // Simple units commit in one statement; the rest (and every unit with the option off) in a transaction.
  for (const singleStatementCommit of [true, false]) {
    describeStoreContract(`postgres${singleStatementCommit ? "" : ", transaction commits only"}`, async () => {
      const schema = testSchema();
      schemas.push(schema);
      return createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 4, singleStatementCommit });
    });
  }
  afterAll(() => dropSchemas(schemas));
});
