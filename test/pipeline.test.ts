import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryStore } from "../adapters/memory/index.js";
import { anonymousPrincipal, createEngine, defineService, type Store } from "../core/index.js";
import { createOutboxRelay, dispatchQueuedCommand, redriveDeadLetter } from "edd/pipeline";
import { ConcurrencyError } from "edd/ports";
import { bankServices } from "../examples/bank/services.js";
import { commandRequest, queryRequest } from "./support/requests.js";

const owner = "ana@example.com";

function bank(store: Store = new MemoryStore(), options: { maxAttempts?: number } = {}) {
  return createEngine({ services: bankServices, store, ...options });
}

async function events(store: Store, aggregateId: string, service = "accounts") {
  return store.readAggregateEvents({ realm: "default", service, aggregateId });
}

describe("command pipeline", () => {
  it("appends events with per-aggregate sequences from 1 and stores a snapshot", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const result = await engine.command(
      commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 5 } }),
      anonymousPrincipal,
    );
    expect(result.status).toBe(200);
    expect((await events(store, "a")).map((e) => [e.sequence, e.type])).toEqual([
      [1, "AccountOpened"],
      [2, "Deposited"],
    ]);
    expect(await store.loadSnapshot({ realm: "default", service: "accounts", aggregateId: "a" })).toEqual({
      version: 2,
      state: { status: "open", owner, balance: 5 },
    });
  });

  it("answers a replayed request from the response store and stores nothing new", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    const request = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } });
    const first = await engine.command(request, anonymousPrincipal);
    const second = await engine.command(request, anonymousPrincipal);
    expect(second).toEqual(first);
    expect(await events(store, "a")).toHaveLength(1);
    expect(store.requestLog("default")).toHaveLength(2);
  });

  it("answers a replay from the response store even when deciding again would fail", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    const open = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner }, expectedVersion: 0 });
    const first = await engine.command(open, anonymousPrincipal);
    // Deciding again now fails twice over: the account is at version 1 and already open.
    expect(await engine.command(open, anonymousPrincipal)).toEqual(first);
    const trusted = await engine.command(open, { id: "system", realm: "default", roles: [] }, { trusted: true });
    expect(trusted).toEqual(first);
    expect(await events(store, "a")).toHaveLength(1);
  });

  it("stores a rejection as the answer, so a replay is rejected the same way", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const withdraw = commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 5 } });
    const first = await engine.command(withdraw, anonymousPrincipal);
    await engine.command(commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 50 } }), anonymousPrincipal);
    const replay = await engine.command(withdraw, anonymousPrincipal);
    expect(first.status).toBe(422);
    expect(replay).toEqual(first);
  });

  it("re-runs a command whose aggregate moved on: two concurrent deposits both apply, as sequences 2 and 3", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    // Hold both loads until both have read version 1, so their commits really collide.
    const barrier = gate(2);
    const loadSnapshot = store.loadSnapshot.bind(store);
    store.loadSnapshot = async (ref) => {
      const snapshot = await loadSnapshot(ref);
      await barrier.arrive();
      return snapshot;
    };
    const commits: number[] = [];
    const commit = store.commit.bind(store);
    store.commit = async (unit) => {
      try {
        return await commit(unit);
      } finally {
        commits.push(unit.changes.length);
      }
    };
    const results = await Promise.all([
      engine.command(commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 1 } }), anonymousPrincipal),
      engine.command(commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 2 } }), anonymousPrincipal),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(commits.length).toBe(3); // one of the two lost the race once and retried
    const history = await events(store, "a");
    expect(history.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(
      history
        .slice(1)
        .map((e) => (e.data as { amount: number }).amount)
        .sort(),
    ).toEqual([1, 2]);
  });

  it("gives up with a conflict error after the bounded attempts", async () => {
    const store = new MemoryStore();
    let attempts = 0;
    store.commit = async () => {
      attempts++;
      throw new ConcurrencyError("always moved on");
    };
    const engine = bank(store, { maxAttempts: 3 });
    const result = await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }),
      anonymousPrincipal,
    );
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({ error: { code: "conflict" } });
    expect(attempts).toBe(3);
  });

  it("applies the commands of one request all or nothing", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(
      commandRequest([
        { command: "OpenAccount", aggregateId: "a", attributes: { owner } },
        { command: "OpenAccount", aggregateId: "b", attributes: { owner: "bo@example.com" } },
      ]),
      anonymousPrincipal,
    );
    const mixed = await engine.command(
      commandRequest([
        { command: "Deposit", aggregateId: "a", attributes: { amount: 10 } },
        { command: "Withdraw", aggregateId: "b", attributes: { amount: 10 } },
      ]),
      anonymousPrincipal,
    );
    expect(mixed.status).toBe(422);
    expect(mixed.body).toMatchObject({ error: { code: "insufficient-funds", details: { index: 1 } } });
    expect(await events(store, "a")).toHaveLength(1);
    const both = await engine.command(
      commandRequest([
        { command: "Deposit", aggregateId: "a", attributes: { amount: 10 } },
        { command: "Withdraw", aggregateId: "a", attributes: { amount: 10 } },
      ]),
      anonymousPrincipal,
    );
    expect(both.status).toBe(200);
    expect((await events(store, "a")).map((e) => e.sequence)).toEqual([1, 2, 3]);
  });

  it("refuses a second claim of an identity by another aggregate, and changes nothing", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const second = await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "b", attributes: { owner } }),
      anonymousPrincipal,
    );
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: { code: "identity-conflict" } });
    expect(await events(store, "b")).toHaveLength(0);
    expect(await store.findIdentity("default", "accounts", owner)).toBe("a");
  });

  it("checks a client's expected version without retrying", async () => {
    const engine = bank();
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const result = await engine.command(
      commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 1 }, expectedVersion: 0 }),
      anonymousPrincipal,
    );
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({ error: { code: "version-mismatch", details: { expectedVersion: 0, actualVersion: 1 } } });
  });

  it("resolves dependencies through queries before the handler runs", async () => {
    const engine = bank();
    const result = await engine.command(
      commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 1 } }),
      anonymousPrincipal,
    );
    expect(result.body).toMatchObject({ error: { code: "unknown-account" } });
  });

  it("answers a query in the caller's realm only", async () => {
    const engine = bank();
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const mine = await engine.query(queryRequest("GetAccount", { id: "a" }), anonymousPrincipal);
    const other = await engine.query(queryRequest("GetAccount", { id: "a" }), { id: "eve", realm: "other", roles: [] });
    expect(mine.body).toMatchObject({ result: { id: "a", balance: 0 } });
    expect(other.body).toMatchObject({ result: null });
  });
});

describe("effects", () => {
  async function openTwo(engine: ReturnType<typeof bank>) {
    await engine.command(
      commandRequest([
        { command: "OpenAccount", aggregateId: "a", attributes: { owner } },
        { command: "Deposit", aggregateId: "a", attributes: { amount: 100 } },
        { command: "OpenAccount", aggregateId: "b", attributes: { owner: "bo@example.com" } },
      ]),
      anonymousPrincipal,
    );
  }

  it("moves money through a chain of effects, each with its own breadcrumbs", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await openTwo(engine);
    const request = commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 30 } });
    await engine.command(request, anonymousPrincipal);
    await createOutboxRelay(engine).drain();
    const balance = async (id: string) =>
      ((await engine.query(queryRequest("GetAccount", { id }), anonymousPrincipal)).body as { result: { balance: number } }).result.balance;
    expect([await balance("a"), await balance("b")]).toEqual([70, 30]);
    const transfer = await events(store, "t", "transfers");
    expect(transfer.map((e) => e.type)).toEqual(["TransferRequested", "TransferDebited", "TransferCompleted"]);
    // request → debit [0,0] → MarkDebited [0,0,0] → credit [0,0,0,0] → MarkCredited [0,0,0,0,0]
    expect(transfer.map((e) => e.meta.breadcrumbs)).toEqual([[0], [0, 0, 0], [0, 0, 0, 0, 0]]);
    expect(transfer.every((e) => e.meta.requestId === request.requestId)).toBe(true);
  });

  it("refunds the source when the credit is refused", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await openTwo(engine);
    await engine.command(commandRequest({ command: "CloseAccount", aggregateId: "b" }), anonymousPrincipal);
    await engine.command(
      commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 30 } }),
      anonymousPrincipal,
    );
    await createOutboxRelay(engine).drain();
    const transfer = await engine.query(queryRequest("GetTransfer", { id: "t" }), anonymousPrincipal);
    expect(transfer.body).toMatchObject({ result: { status: "compensated", reason: "account-not-open" } });
    expect(await store.loadSnapshot({ realm: "default", service: "accounts", aggregateId: "a" })).toMatchObject({
      state: { balance: 100 },
    });
  });

  it("delivers an effect at most once however often it is relayed", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await openTwo(engine);
    await engine.command(
      commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 30 } }),
      anonymousPrincipal,
    );
    const [item] = await store.claimOutbox(1, 0);
    if (item === undefined) throw new Error("expected the debit effect in the outbox");
    const system = { id: "system", realm: "default", roles: [] };
    const first = await engine.command(item.request, system, { trusted: true });
    const again = await engine.command(item.request, system, { trusted: true });
    expect(again).toEqual(first);
    expect((await events(store, "a")).filter((e) => e.type === "Withdrawn")).toHaveLength(1);
  });

  it("stops a loop of effects at the depth limit and dead-letters the command that crossed it", async () => {
    const ping = defineService("ping", { initialState: () => ({ count: 0 }) })
      .event("Pinged", z.object({}), (state) => ({ count: state.count + 1 }))
      .command("Ping", { schema: z.object({}), handle: () => [{ type: "Pinged", data: {} }] })
      .effect("Pinged", { command: "Ping" }, (event) => [{ aggregateId: event.aggregateId, attributes: {} }])
      .build();
    const store = new MemoryStore();
    const engine = createEngine({ services: [ping], store, maxEffectDepth: 5 });
    await engine.command(commandRequest({ command: "Ping", aggregateId: "p" }), anonymousPrincipal);
    const round = await createOutboxRelay(engine).drain();
    expect(round.deadLettered).toBe(1);
    expect(await events(store, "p", "ping")).toHaveLength(5);
    const [letter] = await store.listDeadLetters("default");
    expect(letter?.error.code).toBe("effect-depth-exceeded");
    expect((letter as { message: { breadcrumbs: number[] } }).message.breadcrumbs).toHaveLength(6);
  });
});

/** Resolves every waiter once `count` have arrived. */
function gate(count: number) {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    arrive() {
      arrived++;
      if (arrived >= count) open();
      return arrived > count ? Promise.resolve() : opened;
    },
  };
}

describe("dead letters", () => {
  it("redrives a rejected effect after the cause is fixed, exactly once", async () => {
    const store = new MemoryStore();
    const engine = bank(store);
    await engine.command(commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }), anonymousPrincipal);
    const system = { id: "system", realm: "default", roles: [] };
    const queued = await dispatchQueuedCommand(engine, {
      body: JSON.stringify(commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 40 } })),
      source: "test-queue",
    });
    expect(queued.outcome).toBe("dead-lettered");
    const [letter] = await store.listDeadLetters("default");
    if (letter === undefined) throw new Error("expected a dead letter");
    expect(letter.error.code).toBe("insufficient-funds");

    expect((await redriveDeadLetter(engine, letter.id, undefined, { operator: "ops" })).outcome).toBe("failed"); // cause not fixed yet
    await engine.command(commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 50 } }), system);
    const redriven = await redriveDeadLetter(engine, letter.id, undefined, { operator: "ops" });
    expect(redriven.outcome).toBe("applied");
    expect(await store.listDeadLetters("default")).toEqual([]);
    expect(await store.listDeadLetters("default", { includeResolved: true })).toMatchObject([
      { id: letter.id, resolution: { outcome: "redriven", operator: "ops" } },
    ]);
    expect((await events(store, "a")).map((e) => e.type)).toEqual(["AccountOpened", "Deposited", "Withdrawn"]);
    // The same message arriving again is answered from the response store.
    const again = await dispatchQueuedCommand(engine, { body: letter.message, source: "test-queue" });
    expect(again.outcome).toBe("done");
    expect((await events(store, "a")).filter((e) => e.type === "Withdrawn")).toHaveLength(1);
    expect((await redriveDeadLetter(engine, letter.id, undefined, { operator: "ops" })).outcome).toBe("not-found");
  });
});
