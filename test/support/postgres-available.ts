import pg from "pg";

export const postgresUrl = process.env.EDD_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Why Postgres cannot be used here, or undefined when it answers. With EDD_REQUIRE_POSTGRES=1 a missing server fails instead. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    if (process.env.EDD_REQUIRE_POSTGRES === "1") throw error;
    return `PostgreSQL at ${postgresUrl} unreachable: ${String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function randomSchema(): string {
  return `edd_test_${Math.random().toString(36).slice(2, 10)}`;
}
