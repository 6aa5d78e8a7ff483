import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { MemoryTransport } from "../adapters/memory/transport.js";
import { type Authenticator, createEngine, type StoredEvent } from "../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import { deliverToTransport } from "../core/pipeline/effects/queue-publish.js";
import { createQueueWorker } from "../core/pipeline/effects/queue-worker.js";
import { bankServices } from "../examples/bank/services.js";
import { bankOverHttp } from "./support/bank-http.js";
import { commandRequest } from "./support/requests.js";

/** Bearer tokens are the principal's id: enough to tell two customers apart. */
const byToken: Authenticator = async ({ headers }) => {
  const id = headers.authorization?.replace(/^Bearer /, "");
  return id ? { ok: true, principal: { id, realm: "default", roles: [] } } : { ok: false, code: "unauthenticated", message: "no token" };
};

const as = (id: string) => ({ authorization: `Bearer ${id}` });

async function transferAsAna(bank: ReturnType<typeof bankOverHttp>) {
  for (const [id, owner] of [
    ["a", "ana"],
    ["b", "bo"],
  ] as const) {
    const opened = await bank.post(
      "/command",
      commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `${owner}@example.com` } }),
      as(owner),
    );
    expect(opened.status).toBe(200);
  }
  await bank.post("/command", commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 100 } }), as("ana"));
  const transfer = await bank.post(
    "/command",
    {
      ...commandRequest({ command: "RequestTransfer", aggregateId: "t1", attributes: { from: "a", to: "b", amount: 40 } }),
      meta: { channel: "web", ticket: 7 },
    },
    as("ana"),
  );
  expect(transfer.status).toBe(200);
}

const trail = (events: readonly StoredEvent[]) =>
  events.map((e) => [`${e.aggregateId}#${e.sequence} ${e.type}`, e.meta.initiator, e.meta.actor, e.meta.origin]);

describe("who initiated, who applied", () => {
  it("effects delivered in process name the customer who asked and the service that caused them, and carry the root meta", async () => {
    const bank = bankOverHttp({ authenticator: byToken });
    await transferAsAna(bank);
    await bank.relay.drain();
    const events = (await bank.store.readFeed("default", undefined, 100)).events;
    expect(trail(events.filter((e) => e.aggregateId === "t1" || e.meta.command !== "OpenAccount"))).toEqual([
      ["a#2 Deposited", "ana", "ana", undefined],
      ["t1#1 TransferRequested", "ana", "ana", { channel: "web", ticket: 7 }],
      ["a#3 Withdrawn", "ana", "system:effects/transfers", { channel: "web", ticket: 7 }],
      ["t1#2 TransferDebited", "ana", "system:effects/accounts", { channel: "web", ticket: 7 }],
      ["b#2 Deposited", "ana", "system:effects/transfers", { channel: "web", ticket: 7 }],
      ["t1#3 TransferCompleted", "ana", "system:effects/accounts", { channel: "web", ticket: 7 }],
    ]);
    expect(events.find((e) => e.aggregateId === "b" && e.sequence === 1)?.meta).toMatchObject({ initiator: "bo", actor: "bo" });
  });

  it("effects delivered through a queue keep the initiator and the root meta, applied by the queue consumer", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: bankServices, store, authenticator: byToken });
    const transport = new MemoryTransport();
    const relay = createOutboxRelay(engine, { deliver: deliverToTransport(transport) });
    const worker = createQueueWorker(engine, transport, { retryDelayMs: () => 0 });
    const principal = (id: string) => ({ id, realm: "default", roles: [] });
    await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } }),
      principal("ana"),
    );
    await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "b", attributes: { owner: "bo@example.com" } }),
      principal("bo"),
    );
    await engine.command(commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 100 } }), principal("ana"));
    const transfer = {
      ...commandRequest({ command: "RequestTransfer", aggregateId: "t1", attributes: { from: "a", to: "b", amount: 40 } }),
      meta: { channel: "app" },
    };
    expect((await engine.command(transfer, principal("ana"))).status).toBe(200);
    for (let round = 0; round < 5; round++) {
      await relay.drain();
      await worker.drain();
    }
    const effects = (await store.readFeed("default", undefined, 100)).events.filter((e) => e.meta.breadcrumbs.length > 1);
    expect(trail(effects)).toEqual([
      ["a#3 Withdrawn", "ana", "system:queue/transfers", { channel: "app" }],
      ["t1#2 TransferDebited", "ana", "system:queue/accounts", { channel: "app" }],
      ["b#2 Deposited", "ana", "system:queue/transfers", { channel: "app" }],
      ["t1#3 TransferCompleted", "ana", "system:queue/accounts", { channel: "app" }],
    ]);
  });

  it("a client cannot name another initiator in meta: refused, nothing stored", async () => {
    const bank = bankOverHttp({ authenticator: byToken });
    const forged = await bank.post(
      "/command",
      {
        ...commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "x" } }, { requestId: randomUUID() }),
        meta: { initiator: "bo" },
      },
      as("mallory"),
    );
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: "invalid-envelope", details: [{ path: "meta.initiator" }] } });
    expect((await bank.store.readFeed("default", undefined, 10)).events).toEqual([]);
  });
});
