import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

export const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const required = process.env.EDD_REQUIRE_POSTGRES === "1";

/** Why PostgreSQL cannot be used, or undefined when it answers. */
async function unreachableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const reason = await unreachableReason();

/** Why PostgreSQL cannot be used here, or undefined when it answers; measured once per test file. */
export const postgresUnreachable: string | undefined = reason;

/**
 * `describe` for suites that need PostgreSQL. Unreachable: skipped with the reason in the name,
 * or, when EDD_REQUIRE_POSTGRES=1 (CI), one failing test that says why.
 */
export function describePostgres(name: string, body: () => void): void {
  if (reason === undefined) {
    describe(name, body);
  } else if (required) {
    describe(name, () => {
      it("needs PostgreSQL (EDD_REQUIRE_POSTGRES=1)", () => {
        throw new Error(`PostgreSQL unreachable at ${databaseUrl}: ${reason}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: PostgreSQL unreachable at ${databaseUrl}: ${reason})`, body);
  }
}

/** A schema name of its own for each test file or test, so files run in parallel. */
export function testSchema(): string {
  return `edd_test_${randomBytes(6).toString("hex")}`;
}

/** Drops test schemas; run in afterAll. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (reason !== undefined || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
