import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DynamoStore } from "../adapters/dynamodb/store.js";
import { verifyChain } from "../adapters/sql/hash.js";
import type { StoredEvent } from "../core/model/events.js";
import { feedAggregateLister, verifyRealm } from "../core/pipeline/operations/verify.js";
import { bankServices } from "../examples/bank/services.js";
import { type BankProcess, startBankProcess } from "./e2e/child.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

const realm = "default";
const accounts = ["c0", "c1", "c2", "c3", "c4"];

interface Sent {
  readonly request: {
    requestId: string;
    interactionId: string;
    commands: { service: string; command: string; aggregateId: string; attributes: Record<string, unknown> }[];
  };
  /** "unknown": no answer (the process died) or a 409 conflict; either way the client resends. */
  outcome: "applied" | "refused" | "unknown";
}

function request(service: string, command: string, aggregateId: string, attributes: Record<string, unknown>): Sent["request"] {
  return { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command, aggregateId, attributes }] };
}

async function post(server: BankProcess, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const account = async (server: BankProcess, id: string) =>
  (await post(server, "/query", { query: { query: "GetAccount", attributes: { id } } })).body.result as {
    balance: number;
    version: number;
  };

/** Polls a real condition until it holds; bounded. */
async function until(what: string, holds: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeDynamo("crash safety: the bank SIGKILLed under load on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  let env: Record<string, string>;
  let store: DynamoStore;
  let server: BankProcess | undefined;

  beforeAll(async () => {
    table = await dynamoTable(endpoint);
    const namespace = randomBytes(6).toString("hex");
    env = {
      DYNAMODB_ENDPOINT: endpoint,
      EDD_DYNAMODB_TABLE: table.tableName,
      EDD_DYNAMODB_NAMESPACE: namespace,
      EDD_E2E_DELIVERY: "in-process",
      EDD_E2E_LEASE_MS: "1000",
    };
    store = new DynamoStore({ tableName: table.tableName, namespace, client: table.client });
  });
  afterAll(async () => {
    await server?.kill();
    await store.close();
    table.close();
  });

  it("keeps every acknowledged command with its effects, no half-written unit, and the store verifies", async () => {
    server = await startBankProcess(env);
    for (const id of accounts) {
      expect((await post(server, "/command", request("accounts", "OpenAccount", id, { owner: `${id}@example.com` }))).status).toBe(200);
    }

    // 20 clients deposit and transfer (each transfer's debit and credit are effects in the outbox)
    // until 150 commands were acknowledged; then the process dies mid-flight.
    const sent: Sent[] = [];
    let acknowledged = 0;
    let killed: Promise<void> | undefined;
    const running = server;
    const client = async (worker: number) => {
      for (let i = 0; killed === undefined; i++) {
        const from = accounts[(worker + i) % accounts.length] as string;
        const to = accounts[(worker + i + 1) % accounts.length] as string;
        const entry: Sent = {
          request:
            i % 4 === 3
              ? request("transfers", "RequestTransfer", `t-${worker}-${i}`, { from, to, amount: 1 })
              : request("accounts", "Deposit", from, { amount: (i % 9) + 1 }),
          outcome: "unknown",
        };
        sent.push(entry);
        try {
          const result = await post(running, "/command", entry.request);
          if (result.status !== 200 && result.status !== 409) throw new Error(`unexpected answer ${JSON.stringify(result)}`);
          if (result.status === 200) entry.outcome = "applied";
          if (result.status === 200 && ++acknowledged === 150) killed = running.kill();
        } catch (error) {
          // Connection reset or refused once killed: the outcome is unknown to the client.
          if (killed === undefined) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, worker) => client(worker)));
    await killed;
    expect(acknowledged).toBeGreaterThanOrEqual(150);

    // What the killed process left, read before anything runs again.
    const events = await allEvents(store);
    const withEvents = new Set(events.map((e) => e.meta.requestId));
    for (const { request } of sent.filter((s) => s.outcome === "applied")) expect(withEvents.has(request.requestId)).toBe(true);
    // No half-written unit: a request has its stored response exactly when it has events.
    for (const { request } of sent) {
      const response = await store.findResponse(realm, `${request.requestId}:0`);
      expect(response !== undefined, request.requestId).toBe(withEvents.has(request.requestId));
    }
    const report = await verifyRealm({
      store,
      services: bankServices,
      listAggregates: feedAggregateLister(store),
      checkChain: verifyChain,
      realm,
    });
    expect(report.problems).toEqual([]);

    // Restarted, the relay delivers what the dead process left in the outbox: every transfer ends.
    server = await startBankProcess(env);
    const restarted = server;
    const requestedTransfers = [...new Set(events.filter((e) => e.type === "TransferRequested").map((e) => e.aggregateId))];
    expect(requestedTransfers.length).toBeGreaterThan(0);
    await transfersEnd(restarted, requestedTransfers);

    // Resending what the client never heard back about applies each exactly once; no money is created or lost.
    for (const entry of sent.filter((s) => s.outcome === "unknown")) {
      let answer = await post(restarted, "/command", entry.request);
      for (let resend = 0; resend < 5 && answer.status === 409; resend++) answer = await post(restarted, "/command", entry.request);
      expect([200, 422]).toContain(answer.status);
      entry.outcome = answer.status === 200 ? "applied" : "refused";
    }
    const transfersNow = [...new Set((await allEvents(store)).filter((e) => e.type === "TransferRequested").map((e) => e.aggregateId))];
    await transfersEnd(restarted, transfersNow);
    const deposited = sent
      .filter((s) => s.request.commands[0]?.command === "Deposit")
      .reduce((total, s) => total + (s.request.commands[0]?.attributes.amount as number), 0);
    const balances = await Promise.all(accounts.map((id) => account(restarted, id)));
    expect(balances.reduce((total, a) => total + a.balance, 0)).toBe(deposited);
    const final = await verifyRealm({
      store,
      services: bankServices,
      listAggregates: feedAggregateLister(store),
      checkChain: verifyChain,
      realm,
    });
    expect(final.problems).toEqual([]);
    for (const id of accounts) {
      const own = (await allEvents(store)).filter((e) => e.service === "accounts" && e.aggregateId === id);
      expect((await store.loadSnapshot({ realm, service: "accounts", aggregateId: id }))?.version).toBe(own.length);
    }
  }, 180_000);
});

/** Waits until every transfer completed or was compensated: its effects were all delivered. */
async function transfersEnd(server: BankProcess, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await until(`transfer ${id} ends`, async () => {
      const transfer = (await post(server, "/query", { query: { query: "GetTransfer", attributes: { id } } })).body.result as {
        status: string;
      } | null;
      return transfer?.status === "completed" || transfer?.status === "compensated";
    });
  }
}

async function allEvents(store: DynamoStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let checkpoint: string | undefined;
  for (;;) {
    const page = await store.readFeed(realm, checkpoint, 500);
    if (page.events.length === 0) return events;
    events.push(...page.events);
    checkpoint = page.checkpoint;
  }
}
