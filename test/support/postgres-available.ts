import { databaseUrl, postgresUnreachable, testSchema } from "../store-postgres-support.js";

export const postgresUrl = databaseUrl;

/** Why Postgres cannot be used here, or undefined when it answers. With EDD_REQUIRE_POSTGRES=1 a missing server fails instead. */
export async function postgresUnavailable(): Promise<string | undefined> {
  if (postgresUnreachable === undefined) return undefined;
  if (process.env.EDD_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL at ${postgresUrl} unreachable: ${postgresUnreachable}`);
  return `PostgreSQL at ${postgresUrl} unreachable: ${postgresUnreachable}`;
}

export const randomSchema = testSchema;
