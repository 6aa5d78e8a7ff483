import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpQuery } from "../adapters/http-query/index.js";
import { MemoryStore, MemoryTransport } from "../adapters/memory/index.js";
import { openTelemetryTracer } from "../adapters/opentelemetry/index.js";
import { createEngine, type Principal } from "../core/index.js";
import { createOutboxRelay, createQueueWorker, deliverToTransport, dispatchQueuedCommand } from "../core/pipeline/index.js";
import { parseTraceparent } from "../core/ports/trace-context.js";
import { accounts, transfers } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

const clerk: Principal = { id: "clara", realm: "default", roles: [] };
const ids = () => ({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID() });
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/**
 * The bank as two deployments: transfers and accounts, each with its own store, talking through
 * one queue per service (effects) and HTTP (the transfer's dependency queries on accounts).
 */
async function twoDeployments() {
  const tracer = openTelemetryTracer({ tracerProvider: provider });
  const queues = { accounts: new MemoryTransport({ name: "accounts" }), transfers: new MemoryTransport({ name: "transfers" }) };
  const accountsEngine = createEngine({ services: [accounts], store: new MemoryStore(), tracer });
  const accountsApp = createHttpApp(accountsEngine);
  const remoteQuery = createHttpQuery({
    endpoints: { accounts: "http://accounts.internal" },
    // As if across the network: the remote starts from an empty context, so only the HTTP header can link it.
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      context.with(ROOT_CONTEXT, () => accountsApp.request(input, init))) as typeof fetch,
  });
  const transfersEngine = createEngine({ services: [transfers], store: new MemoryStore(), tracer, remoteQuery });
  const deliver = deliverToTransport((service) => queues[service as keyof typeof queues], { tracer });
  const relays = [createOutboxRelay(accountsEngine, { deliver }), createOutboxRelay(transfersEngine, { deliver })];
  const workers = [createQueueWorker(accountsEngine, queues.accounts), createQueueWorker(transfersEngine, queues.transfers)];
  /** Relays and consumers in turn until nothing moves: the saga runs to its end. */
  const settle = async () => {
    for (let round = 0; round < 20; round++) {
      let moved = 0;
      for (const relay of relays) moved += (await relay.drain()).delivered;
      for (const worker of workers) moved += (await worker.drain()).done;
      if (moved === 0) return;
    }
  };
  return { accountsEngine, transfersEngine, queues, settle };
}

describe("W3C trace context across hops (in-memory span exporter)", () => {
  it("shows a transfer end to end as one trace: command, remote queries, queue publishes and every effect", async () => {
    const bank = await twoDeployments();
    for (const id of ["a-1", "a-2"]) {
      const opened = await bank.accountsEngine.command(
        { ...ids(), commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }] },
        clerk,
      );
      expect(opened.status).toBe(200);
    }
    await bank.accountsEngine.command(
      { ...ids(), commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 50 } }] },
      clerk,
    );
    exporter.reset();

    const transfer = {
      ...ids(),
      commands: [{ command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 20 } }],
    };
    expect((await bank.transfersEngine.command(transfer, clerk)).status).toBe(200);
    await bank.settle();

    const spans = exporter.getFinishedSpans();
    const commands = spans.filter((span) => span.name === "edd.command");
    // RequestTransfer, DebitForTransfer, MarkDebited, CreditForTransfer, MarkCredited: five commands over two deployments.
    expect(commands.map((span) => span.attributes["edd.request_id"])).toEqual(Array(5).fill(transfer.requestId));
    const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
    expect(traceIds.size).toBe(1);

    const root = commands.find((span) => parentOf(span) === undefined);
    expect(root?.attributes["edd.invocation_id"]).toBeDefined();
    expect(commands.filter((span) => parentOf(span) === undefined)).toHaveLength(1);

    // The dependency queries ran in the accounts deployment, as children of the transfer's own span (HTTP traceparent).
    const queries = spans.filter((span) => span.name === "edd.query");
    expect(queries).toHaveLength(2);
    for (const query of queries) expect(parentOf(query)).toBe(root?.spanContext().spanId);

    // Each effect: the command that stored it → edd.queue.publish → the command on the other side (message attribute).
    const publishes = spans.filter((span) => span.name === "edd.queue.publish");
    expect(publishes).toHaveLength(4);
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    for (const command of commands.filter((span) => span !== root)) {
      const publish = byId.get(parentOf(command) ?? "");
      expect(publish?.name).toBe("edd.queue.publish");
      expect(byId.get(parentOf(publish as ReadableSpan) ?? "")?.name).toBe("edd.command");
    }
  });

  it("carries the context as the queue message's traceparent attribute, and a consumer continues it", async () => {
    const bank = await twoDeployments();
    const published: string[] = [];
    const publish = bank.queues.accounts.publish.bind(bank.queues.accounts);
    bank.queues.accounts.publish = async (message) => {
      published.push(message.traceparent ?? "");
      return publish(message);
    };
    await bank.accountsEngine.command(
      { ...ids(), commands: [{ command: "OpenAccount", aggregateId: "a-1", attributes: { owner: "a@example.com" } }] },
      clerk,
    );
    await bank.accountsEngine.command(
      { ...ids(), commands: [{ command: "OpenAccount", aggregateId: "a-2", attributes: { owner: "b@example.com" } }] },
      clerk,
    );
    exporter.reset();
    await bank.transfersEngine.command(
      { ...ids(), commands: [{ command: "RequestTransfer", aggregateId: "t-2", attributes: { from: "a-1", to: "a-2", amount: 1 } }] },
      clerk,
    );
    await createOutboxRelay(bank.transfersEngine, {
      deliver: deliverToTransport(bank.queues.accounts, { tracer: openTelemetryTracer({ tracerProvider: provider }) }),
    }).drain();
    expect(published).toHaveLength(1);
    const carried = parseTraceparent(published[0]);
    const publishSpan = exporter.getFinishedSpans().find((span) => span.name === "edd.queue.publish");
    expect(carried).toEqual({ traceId: publishSpan?.spanContext().traceId, spanId: publishSpan?.spanContext().spanId, flags: 1 });

    // A message from a producer outside edd (only the attribute, no meta in the body) is continued too.
    exporter.reset();
    const foreign = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const outcome = await dispatchQueuedCommand(bank.accountsEngine, {
      body: JSON.stringify({ ...ids(), commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 5 } }] }),
      source: "memory:accounts",
      traceparent: foreign,
    });
    expect(outcome.outcome).toBe("done");
    const [command] = exporter.getFinishedSpans().filter((span) => span.name === "edd.command");
    expect(command?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(parentOf(command as ReadableSpan)).toBe("b7ad6b7169203331");
  });

  it("carries the context through the outbox record when the relay delivers in process", async () => {
    const tracer = openTelemetryTracer({ tracerProvider: provider });
    const store = new MemoryStore();
    const engine = createEngine({ services: [accounts, transfers], store, tracer });
    for (const id of ["a-1", "a-2"]) {
      await engine.command(
        { ...ids(), commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }] },
        clerk,
      );
    }
    await engine.command({ ...ids(), commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 9 } }] }, clerk);
    exporter.reset();
    const transfer = {
      ...ids(),
      commands: [{ command: "RequestTransfer", aggregateId: "t-3", attributes: { from: "a-1", to: "a-2", amount: 3 } }],
    };
    await engine.command(transfer, clerk);
    const [root] = exporter.getFinishedSpans().filter((span) => span.name === "edd.command");
    // The stored effect names the span that caused it.
    const [item] = await store.claimOutbox(1, 0);
    expect(parseTraceparent(item?.request.meta?.traceparent)).toMatchObject({ spanId: root?.spanContext().spanId });

    await createOutboxRelay(engine).drain();
    // The trace context rides on the hop only: no stored event keeps it.
    for (const id of ["a-1", "a-2"]) {
      const events = await store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: id });
      for (const event of events) expect(JSON.stringify(event.meta)).not.toContain("traceparent");
    }
    const commands = exporter.getFinishedSpans().filter((span) => span.name === "edd.command");
    expect(commands).toHaveLength(5);
    expect(new Set(commands.map((span) => span.spanContext().traceId))).toEqual(new Set([root?.spanContext().traceId]));
    // Each effect's command is a child of the command whose event caused it: a chain, as the saga runs.
    const spanIds = commands.map((span) => span.spanContext().spanId);
    expect(commands.slice(1).map(parentOf)).toEqual(spanIds.slice(0, -1));
  });

  it("ignores a malformed traceparent and starts a new trace", async () => {
    const bank = await twoDeployments();
    exporter.reset();
    const app = createHttpApp(bank.accountsEngine);
    for (const traceparent of [
      "garbage",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]) {
      const response = await app.request("/query", {
        method: "POST",
        headers: { traceparent, "content-type": "application/json" },
        body: JSON.stringify({ query: { query: "GetAccount", attributes: { id: "nobody" } } }),
      });
      expect(response.status).toBe(200);
    }
    const queries = exporter.getFinishedSpans().filter((span) => span.name === "edd.query");
    expect(queries).toHaveLength(3);
    for (const query of queries) expect(parentOf(query)).toBeUndefined();
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
