import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileObjectStore } from "../adapters/filesystem/index.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { MemoryTransport } from "../adapters/memory/transport.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { createOutboxRelay } from "edd/pipeline";
import { parseLargeCommandReference } from "../core/pipeline/effects/large-commands.js";
import { deliverToTransport, publishCommand } from "../core/pipeline/effects/queue-publish.js";
import { createQueueWorker } from "../core/pipeline/effects/queue-worker.js";
import { bankServices } from "../examples/bank/services.js";
import { commandRequest } from "../contracts/transport.js";

const account = async (engine: ReturnType<typeof createEngine>, id: string) =>
  (await engine.query({ query: { query: "GetAccount", attributes: { id } } }, anonymousPrincipal)).body;

describe("queue worker", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "edd-large-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stores a command larger than the queue's limit and resolves the reference before dispatch", async () => {
    const transport = new MemoryTransport({ maxBodyBytes: 8 * 1024 });
    const objects = new FileObjectStore(dir);
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    await publishCommand(transport, commandRequest("OpenAccount", "acc-big", { owner: "big@example.com" }), "default");
    const large = commandRequest("Deposit", "acc-big", { amount: 5 });
    const padded = { ...large, meta: { note: "x".repeat(20_000) } };
    await expect(publishCommand(transport, padded, "default")).rejects.toThrow(/object store/);
    await publishCommand(transport, padded, "default", { objectStore: objects });

    const received = await transport.receive({ maxMessages: 10 });
    expect(received).toHaveLength(2);
    expect(parseLargeCommandReference(received[1]?.body ?? "")).toMatchObject({ store: "file", bytes: JSON.stringify(padded).length });
    expect(await readdir(join(dir, "edd-large-commands"))).toHaveLength(1);
    for (const message of received) await transport.retry(message, 0);

    const worker = createQueueWorker(engine, transport, { objectStore: objects, retryDelayMs: () => 0 });
    const round = await worker.drain();
    expect(round.done).toBe(2);
    expect(await account(engine, "acc-big")).toMatchObject({ result: { balance: 5 } });
  });

  it("retries a large-command reference it cannot resolve, then the platform dead-letters it", async () => {
    const transport = new MemoryTransport({ maxBodyBytes: 8 * 1024, maxAttempts: 2 });
    await publishCommand(
      transport,
      { ...commandRequest("Deposit", "acc-x", { amount: 1 }), meta: { pad: "y".repeat(10_000) } },
      "default",
      {
        objectStore: new FileObjectStore(dir),
      },
    );
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    const worker = createQueueWorker(engine, transport, { retryDelayMs: () => 0 });
    expect(await worker.drain()).toMatchObject({ received: 2, retried: 2, done: 0 });
    expect(await transport.receiveDeadLetters({ maxMessages: 10 })).toHaveLength(1);
  });

  it("keeps later messages of a key behind one that must be retried", async () => {
    const transport = new MemoryTransport();
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    // Deposit before the account exists is rejected (422) and dead-lettered in the store; a conflict would be retried.
    await publishCommand(transport, commandRequest("OpenAccount", "acc-k", { owner: "k@example.com" }), "default");
    for (const amount of [1, 2, 3]) await publishCommand(transport, commandRequest("Deposit", "acc-k", { amount }), "default");
    let failNext = true;
    const flaky = createEngine({
      services: bankServices,
      store: engine.store,
    });
    const original = flaky.command.bind(flaky);
    const failing = {
      ...flaky,
      command: async (...args: Parameters<typeof flaky.command>) => {
        const body = args[0] as { commands: { command: string }[] };
        if (failNext && body.commands[0]?.command === "Deposit") {
          failNext = false;
          throw new Error("transient fault");
        }
        return original(...args);
      },
    };
    const worker = createQueueWorker(failing, transport, { retryDelayMs: () => 0 });
    const first = await worker.runOnce();
    expect(first).toMatchObject({ received: 4, done: 1, retried: 3 });
    await worker.drain();
    expect(await account(engine, "acc-k")).toMatchObject({ result: { balance: 6, version: 4 } });
  });

  it("lets the outbox relay feed a queue whose worker runs the effects (a whole transfer saga)", async () => {
    const transport = new MemoryTransport();
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    const relay = createOutboxRelay(engine, { deliver: deliverToTransport(() => transport) });
    const worker = createQueueWorker(engine, transport, { retryDelayMs: () => 0 });
    for (const [id, owner] of [
      ["acc-1", "a@example.com"],
      ["acc-2", "b@example.com"],
    ] as const) {
      await engine.command(commandRequest("OpenAccount", id, { owner }), anonymousPrincipal);
    }
    await engine.command(commandRequest("Deposit", "acc-1", { amount: 100 }), anonymousPrincipal);
    const transfer = {
      ...commandRequest("RequestTransfer", "t-1", { from: "acc-1", to: "acc-2", amount: 40 }),
      commands: [
        { service: "transfers", command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "acc-1", to: "acc-2", amount: 40 } },
      ],
    };
    expect((await engine.command(transfer, anonymousPrincipal)).status).toBe(200);

    expect((await relay.runOnce()).delivered).toBe(1);
    const [message] = await transport.receive({ maxMessages: 1 });
    // Plain POST /command JSON with the effect's breadcrumbs, keyed by the target aggregate.
    expect(message?.orderingKey).toBe("acc-1");
    expect(JSON.parse(message?.body ?? "")).toMatchObject({
      requestId: transfer.requestId,
      breadcrumbs: [0, 0],
      commands: [{ command: "DebitForTransfer" }],
    });
    await transport.retry(message as NonNullable<typeof message>, 0);

    for (let round = 0; round < 10; round++) {
      const moved = (await relay.drain()).delivered + (await worker.drain()).done;
      if (moved === 0) break;
    }
    const status = await engine.query({ query: { query: "GetTransfer", attributes: { id: "t-1" } } }, anonymousPrincipal);
    expect(status.body).toMatchObject({ result: { status: "completed" } });
    expect(await account(engine, "acc-2")).toMatchObject({ result: { balance: 40 } });
  });
});
