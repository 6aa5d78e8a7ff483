import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { verifyChain } from "../adapters/sql/hash.js";
import { type EventRow, eventColumns, toStoredEvent } from "../adapters/sql/rows.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** Starts the bank example on PostgreSQL in a child process and waits for its "listening" log line. */
function startBank(schema: string): Promise<Server> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "examples/bank/main.ts"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, EDD_SCHEMA: schema, PORT: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`bank example did not start:\n${buffered}`)), 30_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"message":"bank example listening","url":"([^"]+)"/.exec(buffered);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child, exited });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bank example exited with ${code}:\n${buffered}`));
    });
  });
}

async function post(server: Server, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function deposit(aggregateId: string, amount: number, requestId = randomUUID()) {
  return { requestId, interactionId: randomUUID(), commands: [{ command: "Deposit", aggregateId, attributes: { amount } }] };
}

/** "unknown": no answer (the process died) or a 409 conflict; either way the client resends. */
interface Sent {
  readonly request: ReturnType<typeof deposit>;
  outcome: "applied" | "unknown";
}

describePostgres("crash safety: the bank example SIGKILLed under load on PostgreSQL", () => {
  const schema = testSchema();
  const accounts = ["c0", "c1", "c2", "c3", "c4"];
  let db: pg.Client;
  let server: Server | undefined;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await server?.exited;
    await db.end();
    await dropSchemas([schema]);
  });

  it("keeps every acknowledged command, balances equal to their events, and no half-written unit", async () => {
    server = await startBank(schema);
    for (const id of accounts) {
      const opened = await post(server, "/command", {
        requestId: randomUUID(),
        interactionId: randomUUID(),
        commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }],
      });
      expect(opened.status).toBe(200);
    }

    // 20 clients deposit until 150 deposits were acknowledged, then the process dies mid-flight.
    const sent: Sent[] = [];
    let acknowledged = 0;
    let killed = false;
    const running = server;
    const client = async (worker: number) => {
      for (let i = 0; !killed; i++) {
        const entry: Sent = { request: deposit(accounts[(worker + i) % accounts.length] as string, (i % 9) + 1), outcome: "unknown" };
        sent.push(entry);
        try {
          const result = await post(running, "/command", entry.request);
          if (result.status !== 200 && result.status !== 409) throw new Error(`unexpected answer ${JSON.stringify(result)}`);
          if (result.status === 200) entry.outcome = "applied";
          if (result.status === 200 && ++acknowledged === 150) {
            killed = true;
            running.child.kill("SIGKILL");
          }
        } catch (error) {
          // Connection reset or refused once killed: the outcome is unknown to the client.
          if (!killed) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, worker) => client(worker)));
    await running.exited;
    expect(acknowledged).toBeGreaterThanOrEqual(150);

    server = await startBank(schema);
    const applied = sent.filter((r) => r.outcome === "applied");
    const rows = (
      await db.query<EventRow>(`SELECT ${eventColumns}
      FROM "${schema}".events WHERE service = 'accounts' ORDER BY aggregate_id, sequence`)
    ).rows.map(toStoredEvent);
    const requestsWithEvents = new Set(rows.map((e) => e.meta.requestId));
    for (const { request } of applied) expect(requestsWithEvents.has(request.requestId)).toBe(true);

    // No half-written unit: every request with events has its response and vice versa, every snapshot matches its events.
    const responses = new Set(
      (await db.query<{ key: string }>(`SELECT idempotency_key AS key FROM "${schema}".responses WHERE status = 200`)).rows.map(
        (r) => r.key,
      ),
    );
    for (const requestId of requestsWithEvents) expect(responses.has(`${requestId}:0`)).toBe(true);
    for (const key of responses) expect(requestsWithEvents.has(key.replace(/:0$/, ""))).toBe(true);
    for (const id of accounts) {
      const events = rows.filter((e) => e.aggregateId === id);
      expect(verifyChain(events)).toBeUndefined();
      const sum = events.filter((e) => e.type === "Deposited").reduce((total, e) => total + (e.data as { amount: number }).amount, 0);
      const snapshot = (await db.query(`SELECT version, state FROM "${schema}".snapshots WHERE aggregate_id = $1`, [id])).rows[0];
      expect(snapshot).toMatchObject({ version: events.length, state: { balance: sum } });
      const account = await post(server, "/query", { query: { query: "GetAccount", attributes: { id } } });
      expect(account.body.result).toMatchObject({ balance: sum, version: events.length });
    }

    // Resending what the client never heard back about applies each deposit exactly once.
    const unknown = sent.filter((r) => r.outcome === "unknown");
    expect(unknown.length).toBeGreaterThan(0); // requests were in flight when it died
    for (const { request } of unknown) {
      let status = 0;
      for (let resend = 0; resend < 5 && status !== 200; resend++) status = (await post(server, "/command", request)).status;
      expect(status).toBe(200);
    }
    for (const id of accounts) {
      const expected = sent
        .filter((r) => r.request.commands[0]?.aggregateId === id)
        .reduce((t, r) => t + (r.request.commands[0]?.attributes.amount as number), 0);
      const account = await post(server, "/query", { query: { query: "GetAccount", attributes: { id } } });
      expect(account.body.result).toMatchObject({ balance: expected });
    }
  });
});
