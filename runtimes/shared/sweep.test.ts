import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../adapters/memory/index.js";
import { MemoryTransport } from "../../adapters/memory/transport.js";
import { anonymousPrincipal, createEngine, type Engine } from "../../core/index.js";
import { deliverToTransport } from "../../core/pipeline/effects/queue-publish.js";
import { bankServices } from "../../examples/bank/services.js";
import { isScheduledEvent, sweepOutbox } from "./sweep.js";

function command(service: string, name: string, aggregateId: string, attributes: Record<string, unknown> = {}) {
  return { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ service, command: name, aggregateId, attributes }] };
}

/** A transfer whose effects were stored but never delivered: the invocation that stored them died. */
async function bankWithStrandedTransfer(): Promise<Engine> {
  const engine = createEngine({ services: bankServices, store: new MemoryStore() });
  for (const body of [
    command("accounts", "OpenAccount", "a", { owner: "a@example.com" }),
    command("accounts", "Deposit", "a", { amount: 50 }),
    command("accounts", "OpenAccount", "b", { owner: "b@example.com" }),
    command("transfers", "RequestTransfer", "t", { from: "a", to: "b", amount: 20 }),
  ]) {
    expect((await engine.command(body, anonymousPrincipal)).status).toBe(200);
  }
  return engine;
}

async function transferStatus(engine: Engine): Promise<unknown> {
  const answer = await engine.query({ query: { query: "GetTransfer", attributes: { id: "t" } } }, anonymousPrincipal);
  return (answer.body as { result: { status: string } }).result.status;
}

describe("sweepOutbox", () => {
  it("delivers everything due, effects of effects included, and reports the counts", async () => {
    const engine = await bankWithStrandedTransfer();
    // Debit, mark debited, credit, mark credited: one effect leads to the next.
    expect(await sweepOutbox(engine)).toEqual({ delivered: 4, retried: 0, deadLettered: 0, rounds: 5, drained: true });
    expect(await transferStatus(engine)).toBe("completed");
    expect(await sweepOutbox(engine)).toEqual({ delivered: 0, retried: 0, deadLettered: 0, rounds: 1, drained: true });
  });

  it("starts no round past its budget and leaves the rest to the next sweep", async () => {
    const engine = await bankWithStrandedTransfer();
    let clock = 0;
    const now = () => (clock += 10);
    expect(await sweepOutbox(engine, { budgetMs: 15, now })).toEqual({
      delivered: 1,
      retried: 0,
      deadLettered: 0,
      rounds: 1,
      drained: false,
    });
    expect(await transferStatus(engine)).toBe("requested");
    expect(await sweepOutbox(engine)).toMatchObject({ delivered: 3, drained: true });
    expect(await transferStatus(engine)).toBe("completed");
  });

  it("hands effects to the relay's deliver, e.g. onto a queue", async () => {
    const engine = await bankWithStrandedTransfer();
    const queue = new MemoryTransport();
    expect(await sweepOutbox(engine, { deliver: deliverToTransport(queue) })).toMatchObject({ delivered: 1, drained: true });
    const [message] = await queue.receive({ maxMessages: 10 });
    expect(JSON.parse(message?.body ?? "{}")).toMatchObject({ commands: [{ command: "DebitForTransfer", aggregateId: "a" }] });
  });

  it("recognises the scheduled event and nothing else", () => {
    const scheduled = {
      version: "0",
      id: "1",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: "2026-01-01T00:00:00Z",
      detail: {},
    };
    expect(isScheduledEvent(scheduled)).toBe(true);
    expect(isScheduledEvent({ Records: [{ eventSource: "aws:sqs" }] })).toBe(false);
    expect(isScheduledEvent({ source: "aws.events", "detail-type": "Object Created" })).toBe(false);
    expect(isScheduledEvent(null)).toBe(false);
  });
});
