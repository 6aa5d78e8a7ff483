import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { PostgresCheckpointStore } from "../adapters/sql/checkpoints.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { connectionClient } from "../adapters/sql/connection.js";
import type { CheckpointStore } from "../core/ports/checkpoints.js";
import { dynamoReady } from "./support/dynamodb-local.js";
import { dynamoEndpoint } from "./support/dynamodb.js";
import { dynamoBackend, pgliteBackend } from "./support/projection-fixtures.js";

const postgresUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const pglite = pgliteBackend();

async function realPostgres(): Promise<{ store: CheckpointStore; close: () => Promise<void> } | string> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 2000 });
  const schema = `edd_test_${randomBytes(6).toString("hex")}`;
  try {
    const connections = await Promise.all([pool.connect(), pool.connect()]);
    try {
      await Promise.all(connections.map((connection) => migrateSql(connectionClient(connection), { schema, components: ["checkpoints"] })));
    } finally {
      for (const connection of connections) connection.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    return error instanceof Error ? error.message : String(error);
  }
  return {
    store: new PostgresCheckpointStore(pool, { schema }),
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

const postgres = await realPostgres();
if (typeof postgres === "string" && process.env.EDD_REQUIRE_POSTGRES === "1")
  throw new Error(`PostgreSQL unreachable at ${postgresUrl}: ${postgres}`);

const dynamodbEndpoint = dynamoEndpoint();
// DynamoDB Local may still be booting (test/support/dynamodb-global-setup.ts).
beforeAll(async () => {
  if (typeof dynamodbEndpoint === "string") await dynamoReady(dynamodbEndpoint);
}, 120_000);
const dynamodb = typeof dynamodbEndpoint === "string" ? dynamoBackend(dynamodbEndpoint) : undefined;

const cases: [string, () => Promise<CheckpointStore>][] = [
  ["memory", async () => new MemoryCheckpointStore()],
  ["postgres on PGlite", () => pglite.checkpoints()],
  ...(dynamodb === undefined ? [] : [["dynamodb", () => dynamodb.checkpoints()] as [string, () => Promise<CheckpointStore>]]),
  ...(typeof postgres === "string" ? [] : [["postgres", async () => postgres.store] as [string, () => Promise<CheckpointStore>]]),
];

afterAll(async () => {
  await pglite.close();
  await dynamodb?.close();
  if (typeof postgres !== "string") await postgres.close();
});

if (typeof postgres === "string") {
  describe.skip(`checkpoints on postgres: SKIPPED, PostgreSQL unreachable at ${postgresUrl} (${postgres})`, () => {
    it("runs when PostgreSQL is reachable", () => {});
  });
}

describe.each(cases)("checkpoints on %s", (_name, factory) => {
  it("advances only from the checkpoint the caller read", async () => {
    const store = await factory();
    const realm = `r-${randomBytes(4).toString("hex")}`;
    expect(await store.load(realm, "p")).toBeUndefined();
    expect(await store.advance(realm, "p", undefined, "5")).toBe(true);
    expect(await store.advance(realm, "p", undefined, "6")).toBe(false);
    expect(await store.advance(realm, "p", "4", "6")).toBe(false);
    expect(await store.advance(realm, "p", "5", "9")).toBe(true);
    expect(await store.load(realm, "p")).toBe("9");
    expect(await store.load(`${realm}-other`, "p")).toBeUndefined();
    await store.put(realm, "p", "2");
    expect(await store.load(realm, "p")).toBe("2");
    await store.remove(realm, "p");
    expect(await store.load(realm, "p")).toBeUndefined();
  });

  it("lets exactly one of many racing projectors advance", async () => {
    const store = await factory();
    const realm = `r-${randomBytes(4).toString("hex")}`;
    await store.put(realm, "p", "1");
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.advance(realm, "p", "1", String(10 + i))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
