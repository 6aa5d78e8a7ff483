import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { MemoryStore } from "../adapters/memory/store.js";
import { anonymousPrincipal } from "../core/model/principal.js";
import { defineService } from "../core/model/service.js";
import { createEngine } from "../core/pipeline/engine.js";
import { createQueueWorker } from "../core/pipeline/effects/queue-worker.js";
import type { CommandRequestBody } from "../core/ports/store.js";
import { commandMessage, type QueueTransport, type ReceivedMessage } from "../core/ports/transport.js";

/** The service the consumer runs in these tests: just enough to see each command applied once. */
const accounts = defineService<{ owner: string; balance: number }>("accounts", { initialState: () => ({ owner: "", balance: 0 }) })
  .event("AccountOpened", z.object({ owner: z.string() }), (state, e) => ({ ...state, owner: e.owner }))
  .event("Deposited", z.object({ amount: z.number() }), (state, e) => ({ ...state, balance: state.balance + e.amount }))
  .command("OpenAccount", { schema: z.object({ owner: z.string() }), handle: (c) => [{ type: "AccountOpened", data: c }] })
  .command("Deposit", { schema: z.object({ amount: z.number() }), handle: (c) => [{ type: "Deposited", data: c }] })
  .query("GetAccount", {
    schema: z.object({ id: z.string() }),
    handle: async ({ id }, { aggregates }) => {
      const account = await aggregates.get(id);
      return account === undefined ? null : { version: account.version, ...account.state };
    },
  })
  .build();

export interface ContractSettings {
  /** The dead-letter limit the queue under test should use; a platform may raise it to its minimum. */
  readonly maxAttempts: number;
}

/** Creates a transport on a fresh, empty queue. */
export type TransportFactory = (settings: ContractSettings) => Promise<QueueTransport>;

export interface ContractOptions {
  /** False where the platform cannot suppress a republished dedup id (Pub/Sub): the consumer's idempotency is asserted instead. */
  readonly deduplicates: boolean;
  /** Long-poll wait per receive (default 1000 ms). */
  readonly waitMs?: number;
  /** Upper bound for one condition to become true (default 15 s). */
  readonly deadlineMs?: number;
  /**
   * Set when the dead-letter queue cannot be read in this environment (the Pub/Sub emulator stops
   * delivering after maxDeliveryAttempts but never forwards to the dead-letter topic): the test then
   * asserts only that delivery stops after the configured attempts, and its name says why.
   */
  readonly deadLettersUnreadable?: string;
}

export function commandRequest(command: string, aggregateId: string, attributes: Record<string, unknown> = {}): CommandRequestBody {
  return { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service: "accounts", command, aggregateId, attributes }] };
}

/** Receives until `done` says the collected messages suffice, or fails after the deadline. */
export async function receiveUntil(
  transport: QueueTransport,
  done: (received: readonly ReceivedMessage[]) => boolean,
  options: { waitMs: number; deadlineMs: number; dead?: boolean },
): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + options.deadlineMs;
  while (!done(received)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${options.deadlineMs} ms; received ${received.length} message(s)`);
    const read = options.dead ? transport.receiveDeadLetters.bind(transport) : transport.receive.bind(transport);
    received.push(...(await read({ maxMessages: 10, waitMs: options.waitMs })));
  }
  return received;
}

const requestIdOf = (message: ReceivedMessage) => (JSON.parse(message.body) as CommandRequestBody).requestId;

/** The behaviour every queue transport promises; run once per implementation by test/transport-<name>.test.ts. */
export function describeTransportContract(name: string, factory: TransportFactory, options: ContractOptions): void {
  const timing = { waitMs: options.waitMs ?? 1000, deadlineMs: options.deadlineMs ?? 15_000 };
  const open: QueueTransport[] = [];
  const fresh = async (settings: ContractSettings = { maxAttempts: 3 }) => {
    const transport = await factory(settings);
    open.push(transport);
    return transport;
  };

  describe(`queue transport contract: ${name}`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    it("publishes plain POST /command JSON and delivers it with realm, key and first attempt", async () => {
      const transport = await fresh();
      const request = commandRequest("OpenAccount", "acc-plain", { owner: "ada@example.com" });
      await transport.publish(commandMessage(request, "acme"));
      const [message] = await receiveUntil(transport, (r) => r.length >= 1, timing);
      expect(JSON.parse(message?.body ?? "")).toEqual(request);
      expect(message).toMatchObject({ realm: "acme", orderingKey: "acc-plain", attempt: 1 });
      await transport.acknowledge(message as ReceivedMessage);
    });

    it("carries the W3C traceparent as a message attribute beside the body, and none when there is none", async () => {
      const transport = await fresh();
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const traced = { ...commandRequest("Deposit", "acc-traced", { amount: 1 }), meta: { traceparent } };
      const plain = commandRequest("Deposit", "acc-untraced", { amount: 1 });
      // The attribute, not the body, is what reaches the consumer: publish one that differs from the body's.
      const fromPublisher = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";
      await transport.publish({ ...commandMessage(traced, "default"), traceparent: fromPublisher });
      await transport.publish(commandMessage(plain, "default"));
      const received = await receiveUntil(transport, (r) => r.length >= 2, timing);
      const byId = new Map(received.map((message) => [requestIdOf(message), message]));
      expect(byId.get(traced.requestId)?.traceparent).toBe(fromPublisher);
      expect(byId.get(plain.requestId)).not.toHaveProperty("traceparent");
      for (const message of received) expect(message).not.toHaveProperty("tracestate");
      for (const message of received) await transport.acknowledge(message);
    });

    it("carries the W3C tracestate beside the traceparent, from the effect's meta or set by the publisher", async () => {
      const transport = await fresh();
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const fromMeta = {
        ...commandRequest("Deposit", "acc-state-meta", { amount: 1 }),
        meta: { traceparent, tracestate: "congo=t61rcWkgMzE" },
      };
      const fromPublisher = commandRequest("Deposit", "acc-state-publisher", { amount: 1 });
      await transport.publish(commandMessage(fromMeta, "default"));
      await transport.publish({
        ...commandMessage(fromPublisher, "default"),
        traceparent,
        tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
      });
      const received = await receiveUntil(transport, (r) => r.length >= 2, timing);
      const byId = new Map(received.map((message) => [requestIdOf(message), message]));
      expect(byId.get(fromMeta.requestId)).toMatchObject({ traceparent, tracestate: "congo=t61rcWkgMzE" });
      expect(byId.get(fromPublisher.requestId)).toMatchObject({ traceparent, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" });
      for (const message of received) await transport.acknowledge(message);
    });

    it("never redelivers an acknowledged message; redelivers a retried one with the next attempt", async () => {
      const transport = await fresh();
      const acked = commandRequest("Deposit", "acc-a", { amount: 1 });
      const failed = commandRequest("Deposit", "acc-b", { amount: 2 });
      await transport.publish(commandMessage(acked, "default"));
      await transport.publish(commandMessage(failed, "default"));
      const first = await receiveUntil(transport, (r) => r.length >= 2, timing);
      for (const message of first) {
        if (requestIdOf(message) === acked.requestId) await transport.acknowledge(message);
        else await transport.retry(message, 0);
      }
      const again = await receiveUntil(transport, (r) => r.some((m) => requestIdOf(m) === failed.requestId), timing);
      expect(again.map(requestIdOf)).not.toContain(acked.requestId);
      const redelivered = again.find((m) => requestIdOf(m) === failed.requestId) as ReceivedMessage;
      expect(redelivered.attempt).toBe(2);
      expect(JSON.parse(redelivered.body)).toEqual(failed);
      for (const message of again) await transport.acknowledge(message);
    });

    it("keeps the order of one key, even when its first message fails once", async () => {
      const transport = await fresh();
      const ordered = [1, 2, 3, 4].map((amount) => commandRequest("Deposit", "acc-order", { amount }));
      const other = commandRequest("Deposit", "acc-other", { amount: 9 });
      for (const [index, request] of ordered.entries()) {
        await transport.publish(commandMessage(request, "default"));
        if (index === 1) await transport.publish(commandMessage(other, "default"));
      }
      const applied: string[] = [];
      let failedOnce = false;
      const deadline = Date.now() + timing.deadlineMs;
      while (applied.length < 5) {
        expect(Date.now()).toBeLessThan(deadline);
        const batch = await transport.receive({ maxMessages: 10, waitMs: timing.waitMs });
        let keyFailed = false;
        for (const message of batch) {
          const id = requestIdOf(message);
          const failNow = !failedOnce && id === ordered[0]?.requestId;
          if (failNow || (keyFailed && message.orderingKey === "acc-order")) {
            failedOnce = true;
            keyFailed = true;
            await transport.retry(message, 0);
            continue;
          }
          // A platform may redeliver what followed a failed message (Pub/Sub): count each request once.
          if (!applied.includes(id)) applied.push(id);
          await transport.acknowledge(message);
        }
      }
      expect(applied.filter((id) => id !== other.requestId)).toEqual(ordered.map((r) => r.requestId));
    });

    if (options.deduplicates) {
      it("delivers a message published twice with the same dedup id once", async () => {
        const transport = await fresh();
        const twice = commandRequest("Deposit", "acc-dup", { amount: 5 });
        const after = commandRequest("Deposit", "acc-dup", { amount: 6 });
        await transport.publish(commandMessage(twice, "default"));
        await transport.publish(commandMessage(twice, "default"));
        await transport.publish(commandMessage(after, "default"));
        // Same key, so a duplicate would arrive before `after`.
        const seen: string[] = [];
        const deadline = Date.now() + timing.deadlineMs;
        while (!seen.includes(after.requestId)) {
          expect(Date.now()).toBeLessThan(deadline);
          for (const message of await transport.receive({ maxMessages: 10, waitMs: timing.waitMs })) {
            seen.push(requestIdOf(message));
            await transport.acknowledge(message);
          }
        }
        expect(seen).toEqual([twice.requestId, after.requestId]);
      });
    }

    it(
      options.deduplicates
        ? "applies a command published twice once (the consumer's idempotency key backs up the platform's dedup)"
        : "applies a command published twice once: this platform delivers both copies, the consumer's idempotency key makes the second apply nothing",
      async () => {
        const transport = await fresh();
        const engine = createEngine({ services: [accounts], store: new MemoryStore() });
        const worker = createQueueWorker(engine, transport, { retryDelayMs: () => 0 });
        const deposit = commandRequest("Deposit", "acc-once", { amount: 70 });
        await transport.publish(commandMessage(commandRequest("OpenAccount", "acc-once", { owner: "eve@example.com" }), "default"));
        await transport.publish(commandMessage(deposit, "default"));
        await transport.publish(commandMessage(deposit, "default"));
        await transport.publish({ body: "{not json", realm: "default", orderingKey: "acc-junk", deduplicationId: randomUUID() });
        const deadline = Date.now() + timing.deadlineMs;
        let handled = 0;
        let deadLettered = 0;
        while (handled < (options.deduplicates ? 3 : 4)) {
          expect(Date.now()).toBeLessThan(deadline);
          const round = await worker.runOnce(timing.waitMs);
          handled += round.done + round.deadLettered;
          deadLettered += round.deadLettered;
        }
        const answer = await engine.query({ query: { query: "GetAccount", attributes: { id: "acc-once" } } }, anonymousPrincipal);
        expect(answer.body).toMatchObject({ result: { balance: 70, version: 2 } });
        expect(deadLettered).toBe(1);
        expect(await engine.store.listDeadLetters("default")).toEqual([
          expect.objectContaining({ source: transport.name, error: expect.objectContaining({ code: "malformed-json" }) }),
        ]);
      },
    );

    const deadLetterTitle =
      options.deadLettersUnreadable === undefined
        ? "moves a message to the dead-letter queue after the configured attempts"
        : `stops delivering after the configured attempts (dead-letter queue NOT read: ${options.deadLettersUnreadable})`;
    it(deadLetterTitle, async () => {
      const transport = await fresh({ maxAttempts: 2 });
      const poison = commandRequest("Deposit", "acc-poison", { amount: 3 });
      await transport.publish(commandMessage(poison, "default"));
      let deliveries = 0;
      const deadline = Date.now() + timing.deadlineMs * 2;
      let dead: readonly ReceivedMessage[] = [];
      let quietAfterLimit = false;
      while (dead.length === 0 && !quietAfterLimit) {
        expect(Date.now()).toBeLessThan(deadline);
        const batch = await transport.receive({ maxMessages: 10, waitMs: timing.waitMs });
        for (const message of batch) {
          deliveries++;
          expect(message.attempt).toBe(deliveries);
          await transport.retry(message, 0);
        }
        if (deliveries < transport.maxAttempts) continue;
        if (options.deadLettersUnreadable !== undefined) quietAfterLimit = batch.length === 0;
        else dead = await transport.receiveDeadLetters({ maxMessages: 10, waitMs: timing.waitMs });
      }
      expect(deliveries).toBe(transport.maxAttempts);
      if (options.deadLettersUnreadable !== undefined) return;
      expect(JSON.parse(dead[0]?.body ?? "")).toEqual(poison);
      expect(dead[0]?.realm).toBe("default");
      for (const message of dead) await transport.acknowledge(message);
    });
  });
}
