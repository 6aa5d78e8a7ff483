import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresQueueTransport } from "../adapters/postgres/queue/index.js";
import { migrateSql } from "../adapters/sql/component-migrations.js";
import { connectionClient } from "../adapters/sql/connection.js";
import { commandMessage } from "../core/ports/transport.js";
import { postgresUnavailable, postgresUrl, randomSchema } from "./support/postgres-available.js";
import { describeTransportContract } from "edd/testing/contracts";
import { commandRequest } from "../contracts/transport.js";

const unavailable = await postgresUnavailable();
const schema = randomSchema();
const pool = new pg.Pool({ connectionString: postgresUrl, max: 6 });
let queues = 0;

afterAll(async () => {
  if (unavailable === undefined) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

if (unavailable !== undefined) {
  describe.skip(`postgres queue transport: skipped, ${unavailable}`, () => {
    it("needs PostgreSQL", () => {});
  });
} else {
  describeTransportContract(
    "postgres",
    async ({ maxAttempts }) => new PostgresQueueTransport({ pool, schema, queue: `q${++queues}`, maxAttempts, pollIntervalMs: 25 }),
    { deduplicates: true, waitMs: 200 },
  );

  describe("postgres queue specifics", () => {
    it("creates its table once when many callers start together", async () => {
      const own = randomSchema();
      const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
      try {
        await Promise.all(clients.map((client) => migrateSql(connectionClient(client), { schema: own, components: ["queue"] })));
        const { rows } = await pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [own]);
        expect(rows.map((row) => row.table_name)).toEqual(["migrations", "queue_messages"]);
        const applied = await pool.query(`SELECT component, version FROM ${own}.migrations`);
        expect(applied.rows).toEqual([
          { component: "queue", version: 1 },
          { component: "queue", version: 2 },
        ]);
      } finally {
        for (const client of clients) client.release();
        await pool.query(`DROP SCHEMA IF EXISTS ${own} CASCADE`);
      }
    });

    it("stores the body as the exact JSON text, readable by any SQL tool", async () => {
      const transport = new PostgresQueueTransport({ pool, schema, queue: "raw" });
      const request = commandRequest("OpenAccount", "acc-raw", { owner: "r@example.com" });
      await transport.publish(commandMessage(request, "acme"));
      const { rows } = await pool.query(`SELECT body, body::jsonb AS parsed, realm FROM ${schema}.queue_messages WHERE queue = 'raw'`);
      expect(rows[0]).toEqual({ body: JSON.stringify(request), parsed: request, realm: "acme" });
    });

    it("gives one key to one consumer at a time across concurrent receivers", async () => {
      const transport = new PostgresQueueTransport({ pool, schema, queue: "concurrent" });
      for (const n of [1, 2, 3]) await transport.publish(commandMessage(commandRequest("Deposit", "acc-c", { amount: n }), "default"));
      const batches = await Promise.all([1, 2, 3].map(() => transport.receive({ maxMessages: 10 })));
      expect(batches.flat()).toHaveLength(1);
      expect(JSON.parse(batches.flat()[0]?.body ?? "").commands[0].attributes.amount).toBe(1);
    });

    it("dead-letters a message whose consumer vanished on its last attempt", async () => {
      const transport = new PostgresQueueTransport({ pool, schema, queue: "vanished", maxAttempts: 1, visibilityTimeoutMs: 50 });
      await transport.publish(commandMessage(commandRequest("Deposit", "acc-v", { amount: 1 }), "default"));
      expect(await transport.receive({ maxMessages: 1 })).toHaveLength(1);
      // Never acknowledged: once its visibility lapses the next receive moves it to the dead letters.
      const dead = async () => {
        await transport.receive({ maxMessages: 1, waitMs: 100 });
        return transport.receiveDeadLetters({ maxMessages: 1 });
      };
      let letters = await dead();
      const deadline = Date.now() + 5000;
      while (letters.length === 0 && Date.now() < deadline) letters = await dead();
      expect(letters).toHaveLength(1);
    });
  });
}
