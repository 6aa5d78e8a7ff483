import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { createPostgresStore } from "../../adapters/postgres/index.js";
import type { SqlStore } from "../../adapters/sql/store.js";
import { type BankProcess, startBankProcess } from "./child.js";

/** What must come out the same whichever path carried the effects. */
export interface TransferOutcome {
  readonly balances: Record<string, number>;
  readonly transfers: Record<string, string>;
  /** Event types per aggregate, "service/id" → types in sequence order. */
  readonly events: Record<string, string[]>;
}

const accounts = ["acc-a", "acc-b", "acc-c"] as const;
const transfers = ["t-1", "t-2"] as const;
const deposited = 100;

async function post(server: BankProcess, path: string, body: unknown): Promise<{ status: number; body: { result?: unknown } }> {
  const response = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { result?: unknown } };
}

function command(service: string, name: string, aggregateId: string, attributes: Record<string, unknown> = {}) {
  return { service, command: name, aggregateId, attributes };
}

async function send(server: BankProcess, commands: ReturnType<typeof command>[]): Promise<void> {
  const answer = await post(server, "/command", { requestId: randomUUID(), interactionId: randomUUID(), commands });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

async function query<T>(server: BankProcess, name: string, id: string): Promise<T> {
  const answer = await post(server, "/query", { query: { query: name, attributes: { id } } });
  expect(answer.status).toBe(200);
  return answer.body.result as T;
}

const balances = async (server: BankProcess) =>
  Object.fromEntries(
    await Promise.all(accounts.map(async (id) => [id, (await query<{ balance: number }>(server, "GetAccount", id)).balance] as const)),
  );

/** Polls a real condition until it holds; bounded, never a fixed sleep. Fails with the last value seen. */
async function until<T>(what: string, read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: T | undefined;
  while (Date.now() < deadline) {
    seen = await read();
    if (holds(seen)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: still ${JSON.stringify(seen)} after ${timeoutMs} ms`);
}

const transferReaches = (server: BankProcess, id: string, status: string) =>
  until(
    `transfer ${id} reaches ${status}`,
    async () => (await query<{ status: string } | null>(server, "GetTransfer", id))?.status,
    (seen) => seen === status,
  );

async function eventsOf(store: SqlStore, service: string, aggregateId: string) {
  return store.readAggregateEvents({ realm: "default", service, aggregateId });
}

/** How often an account booked something for a transfer: more than once would create or destroy money. */
async function bookings(store: SqlStore, account: string, type: string, transferId: string): Promise<number> {
  const events = await eventsOf(store, "accounts", account);
  return events.filter((e) => e.type === type && (e.data as { transferId?: string }).transferId === transferId).length;
}

async function timesRequested(store: SqlStore, commandName: string): Promise<number> {
  const log = await store.requestLog("default");
  return log.filter((entry) => (entry.body as { commands: { command: string }[] }).commands[0]?.command === commandName).length;
}

/**
 * Two transfers from acc-a (100), each with the server SIGKILLed inside an effect's delivery window:
 * t-1 (30 to acc-b) is killed right after the credit was applied and before its delivery was
 * acknowledged, so the restart must deliver it again and apply nothing; t-2 (20 to closed acc-c)
 * is killed after the refund was claimed and before it ran, so the restart must still refund.
 * `env` picks the database schema and the delivery path.
 */
export async function runTransferScenario(env: Record<string, string>): Promise<TransferOutcome> {
  const start = (halt: string) => startBankProcess({ ...env, EDD_E2E_HALT: halt });
  let server = await start("after:CreditForTransfer");
  const store = await createPostgresStore({
    connectionString: env.DATABASE_URL as string,
    schema: env.EDD_SCHEMA,
    migrate: false,
    poolSize: 2,
  });
  try {
    await send(server, [
      command("accounts", "OpenAccount", "acc-a", { owner: "a@example.com" }),
      command("accounts", "Deposit", "acc-a", { amount: deposited }),
      command("accounts", "OpenAccount", "acc-b", { owner: "b@example.com" }),
      command("accounts", "OpenAccount", "acc-c", { owner: "c@example.com" }),
      command("accounts", "CloseAccount", "acc-c"),
    ]);

    // t-1: killed after CreditForTransfer committed, before the relay / worker acknowledged it.
    await send(server, [command("transfers", "RequestTransfer", "t-1", { from: "acc-a", to: "acc-b", amount: 30 })]);
    await server.announced((line) => line.event === "halted");
    await server.kill();
    expect(await bookings(store, "acc-b", "Deposited", "t-1")).toBe(1);
    expect((await eventsOf(store, "transfers", "t-1")).map((e) => e.type)).toEqual(["TransferRequested", "TransferDebited"]);

    // t-2: killed holding the claimed RefundTransfer, before it ran.
    server = await start("before:RefundTransfer");
    await transferReaches(server, "t-1", "completed");
    // The unacknowledged credit comes again (lease or visibility timeout) and is answered from the response store.
    await until(
      "CreditForTransfer delivered again",
      () => timesRequested(store, "CreditForTransfer"),
      (n) => n >= 2,
    );
    expect(await bookings(store, "acc-b", "Deposited", "t-1")).toBe(1);
    await send(server, [command("transfers", "RequestTransfer", "t-2", { from: "acc-a", to: "acc-c", amount: 20 })]);
    await server.announced((line) => line.event === "halted");
    await server.kill();
    expect(await bookings(store, "acc-a", "Withdrawn", "t-2")).toBe(1);
    expect(await bookings(store, "acc-a", "TransferRefunded", "t-2")).toBe(0);

    server = await start("");
    await transferReaches(server, "t-2", "compensated");
    const outcome: TransferOutcome = {
      balances: await balances(server),
      transfers: Object.fromEntries(
        await Promise.all(transfers.map(async (id) => [id, (await query<{ status: string }>(server, "GetTransfer", id)).status] as const)),
      ),
      events: Object.fromEntries(
        await Promise.all(
          [...accounts.map((id) => ["accounts", id] as const), ...transfers.map((id) => ["transfers", id] as const)].map(
            async ([service, id]) => [`${service}/${id}`, (await eventsOf(store, service, id)).map((e) => e.type)] as const,
          ),
        ),
      ),
    };
    // No money created or lost, nothing left behind.
    expect(Object.values(outcome.balances).reduce((sum, balance) => sum + balance, 0)).toBe(deposited);
    expect(await store.listDeadLetters()).toEqual([]);
    expect(await server.stop()).toBe(0);
    return outcome;
  } catch (error) {
    await server.kill();
    throw error;
  } finally {
    await store.close();
  }
}
