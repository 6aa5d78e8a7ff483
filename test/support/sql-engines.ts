import { afterAll, describe, it } from "vitest";
import { createPostgresClient } from "../../adapters/postgres/index.js";
import type { SqlClient } from "../../adapters/sql/client.js";
import { createPgliteClient } from "../../adapters/sql/drivers/pglite.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "../store-postgres-support.js";

export type SqlCase = (client: SqlClient, schema: string) => Promise<void>;

/**
 * Runs each case on both SQL engines: on a fresh in-memory PGlite (schema "edd") and on PostgreSQL
 * (a new schema per case). `siblings` are the suffixes of other schemas a case makes next to its own
 * (`<schema><suffix>`), dropped with it.
 */
export function describeOnSqlEngines(
  subject: string,
  cases: Readonly<Record<string, SqlCase>>,
  options: { readonly poolSize: number; readonly siblings: readonly string[] },
): void {
  const timeoutMs = 60_000;
  describe(`${subject} on PGlite`, () => {
    for (const [name, run] of Object.entries(cases)) {
      it(
        name,
        async () => {
          const client = await createPgliteClient();
          try {
            await run(client, "edd");
          } finally {
            await client.close();
          }
        },
        timeoutMs,
      );
    }
  });

  describePostgres(`${subject} on PostgreSQL`, () => {
    const schemas: string[] = [];
    const client = createPostgresClient({ connectionString: databaseUrl, poolSize: options.poolSize });
    afterAll(async () => {
      await client.close();
      await dropSchemas(schemas);
    });
    for (const [name, run] of Object.entries(cases)) {
      it(
        name,
        async () => {
          const schema = testSchema();
          schemas.push(schema, ...options.siblings.map((suffix) => `${schema}${suffix}`));
          await run(client, schema);
        },
        timeoutMs,
      );
    }
  });
}
