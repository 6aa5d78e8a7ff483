import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pg from "pg";
import * as z from "zod";

/**
 * The deposit service a good engineer writes by hand with hono and pg: the baseline edd over
 * HTTP is measured against. One transaction per deposit: look up the stored response (idempotency),
 * lock the account's snapshot, insert the event, upsert the snapshot, insert the response.
 * No request log, no hash chain, no outbox. Run as a process (the bench runs its bundle, bench/compiled.ts)
 * with DATABASE_URL, SCHEMA, ACCOUNTS; prints `{"url": …}` once listening.
 */
const depositBody = z.object({
  requestId: z.uuid(),
  accountId: z.string().min(1).max(100),
  amount: z.number().int().positive().max(1_000_000),
});

export async function createSchema(pool: pg.Pool, schema: string, accounts: readonly string[]): Promise<void> {
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}".events (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    aggregate_id text NOT NULL, sequence int NOT NULL, type text NOT NULL, data jsonb NOT NULL,
    "time" timestamptz NOT NULL DEFAULT now(), UNIQUE (aggregate_id, sequence))`);
  await pool.query(`CREATE TABLE "${schema}".snapshots (aggregate_id text PRIMARY KEY, version int NOT NULL, state jsonb NOT NULL)`);
  await pool.query(`CREATE TABLE "${schema}".responses (request_id uuid PRIMARY KEY, status int NOT NULL, body jsonb NOT NULL)`);
  await pool.query(
    `INSERT INTO "${schema}".snapshots SELECT id, 1, jsonb_build_object('status', 'open', 'balance', 0) FROM unnest($1::text[]) AS id`,
    [accounts],
  );
}

export function handWrittenApp(pool: pg.Pool, schema: string): Hono {
  const s = `"${schema}"`;
  const app = new Hono();
  app.post("/deposit", async (c) => {
    const parsed = depositBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid-request", issues: parsed.error.issues.map((i) => i.path.join(".")) }, 400);
    const { requestId, accountId, amount } = parsed.data;
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const done = await client.query({
        name: "hw_response",
        text: `SELECT status, body FROM ${s}.responses WHERE request_id = $1`,
        values: [requestId],
      });
      if (done.rows[0] !== undefined) {
        await client.query("COMMIT");
        return c.json(done.rows[0].body, done.rows[0].status);
      }
      const snapshot = await client.query({
        name: "hw_lock",
        text: `SELECT version, state FROM ${s}.snapshots WHERE aggregate_id = $1 FOR UPDATE`,
        values: [accountId],
      });
      const current = snapshot.rows[0] as { version: number; state: { status: string; balance: number } } | undefined;
      if (current === undefined || current.state.status !== "open") {
        await client.query("ROLLBACK");
        return c.json({ error: "account-not-open" }, 409);
      }
      const version = current.version + 1;
      await client.query({
        name: "hw_event",
        text: `INSERT INTO ${s}.events (aggregate_id, sequence, type, data) VALUES ($1, $2, 'Deposited', $3)`,
        values: [accountId, version, JSON.stringify({ amount })],
      });
      const state = { ...current.state, balance: current.state.balance + amount };
      await client.query({
        name: "hw_snapshot",
        text: `INSERT INTO ${s}.snapshots VALUES ($1, $2, $3)
               ON CONFLICT (aggregate_id) DO UPDATE SET version = excluded.version, state = excluded.state`,
        values: [accountId, version, JSON.stringify(state)],
      });
      const body = { result: { version, balance: state.balance } };
      await client.query({
        name: "hw_store_response",
        text: `INSERT INTO ${s}.responses VALUES ($1, 200, $2)`,
        values: [requestId, JSON.stringify(body)],
      });
      await client.query("COMMIT");
      return c.json(body, 200);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  });
  app.onError((_error, c) => c.json({ error: "internal" }, 500));
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const schema = process.env.SCHEMA ?? "edd_bench_hand";
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? 16) });
  const accounts = (process.env.ACCOUNTS ?? "").split(",").filter(Boolean);
  await createSchema(pool, schema, accounts);
  const app = handWrittenApp(pool, schema);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
  });
  process.once("SIGTERM", () => {
    server.close();
    pool.end().finally(() => process.exit(0));
  });
}
