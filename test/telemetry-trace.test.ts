import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpQuery } from "../adapters/http-query/index.js";
import { MemoryStore, MemoryTransport } from "../adapters/memory/index.js";
import { openTelemetryTracer } from "../adapters/opentelemetry/index.js";
import { createEngine, type Principal } from "../core/index.js";
import { createOutboxRelay, createQueueWorker, deliverToTransport, dispatchQueuedCommand } from "../core/pipeline/index.js";
import { parseTraceparent, parseTracestate, traceContextOf } from "../core/ports/trace-context.js";
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

  it("carries the tracestate beside the traceparent through HTTP, remote queries, the outbox and the queue", async () => {
    const bank = await twoDeployments();
    for (const id of ["a-1", "a-2"]) {
      await bank.accountsEngine.command(
        { ...ids(), commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }] },
        clerk,
      );
    }
    await bank.accountsEngine.command(
      { ...ids(), commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 50 } }] },
      clerk,
    );
    const attributes: (string | undefined)[] = [];
    for (const queue of Object.values(bank.queues)) {
      const publish = queue.publish.bind(queue);
      queue.publish = async (message) => {
        attributes.push(message.tracestate);
        return publish(message);
      };
    }
    exporter.reset();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    const response = await createHttpApp(bank.transfersEngine).request("/command", {
      method: "POST",
      // Blanks around members and an empty member are allowed on the wire; the carried value is normalised.
      headers: { traceparent, tracestate: " rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE", "content-type": "application/json" },
      body: JSON.stringify({
        ...ids(),
        commands: [{ command: "RequestTransfer", aggregateId: "t-9", attributes: { from: "a-1", to: "a-2", amount: 20 } }],
      }),
    });
    expect(response.status).toBe(200);
    await bank.settle();

    const spans = exporter.getFinishedSpans();
    // The transfer command, two remote queries (HTTP header), four publishes and four effect commands: all of one trace and state.
    expect(spans.filter((span) => span.name === "edd.command")).toHaveLength(5);
    expect(spans.filter((span) => span.name === "edd.query")).toHaveLength(2);
    expect(attributes).toEqual(Array(4).fill(tracestate));
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
      expect(span.spanContext().traceState?.serialize()).toBe(tracestate);
    }
    // Like the traceparent, the tracestate rides on the hop only: no stored event keeps it.
    for (const id of ["a-1", "a-2"]) {
      const events = await bank.accountsEngine.store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: id });
      for (const event of events) expect(JSON.stringify(event.meta ?? {})).not.toContain("tracestate");
    }
  });

  it("stores the tracestate in the effect's meta, and drops a malformed one while keeping the trace", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: [accounts, transfers], store, tracer: openTelemetryTracer({ tracerProvider: provider }) });
    const app = createHttpApp(engine);
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (const id of ["a-1", "a-2"]) {
      await engine.command(
        { ...ids(), commands: [{ command: "OpenAccount", aggregateId: id, attributes: { owner: `${id}@example.com` } }] },
        clerk,
      );
    }
    await engine.command({ ...ids(), commands: [{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 50 } }] }, clerk);
    for (const item of await store.claimOutbox(10, 60_000)) await store.markDelivered(item.id);
    const transfer = async (id: string, tracestate: string) => {
      const response = await app.request("/command", {
        method: "POST",
        headers: { traceparent, tracestate, "content-type": "application/json" },
        body: JSON.stringify({
          ...ids(),
          commands: [{ command: "RequestTransfer", aggregateId: id, attributes: { from: "a-1", to: "a-2", amount: 1 } }],
        }),
      });
      expect(response.status).toBe(200);
      const [item] = await store.claimOutbox(1, 60_000);
      await store.markDelivered(item?.id ?? "");
      return item?.request.meta;
    };
    expect(await transfer("t-1", "congo=t61rcWkgMzE")).toMatchObject({ tracestate: "congo=t61rcWkgMzE" });
    for (const malformed of ["Congo=upper", "congo=a,congo=b", "congo", Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")]) {
      exporter.reset();
      const meta = await transfer(`t-${crypto.randomUUID()}`, malformed);
      expect(meta).not.toHaveProperty("tracestate");
      expect(parseTraceparent(meta?.traceparent)?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
      const [command] = exporter.getFinishedSpans().filter((span) => span.name === "edd.command");
      expect(parentOf(command as ReadableSpan)).toBe("b7ad6b7169203331");
      expect(command?.spanContext().traceState).toBeUndefined();
    }
  });
});

describe("W3C tracestate parsing", () => {
  it.each([
    ["congo=t61rcWkgMzE", "congo=t61rcWkgMzE"],
    ["rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"],
    ["\tcongo=t61rcWkgMzE ,,", "congo=t61rcWkgMzE"],
    ["congo=x ", "congo=x"],
    ["tenant1@vendor=x y", "tenant1@vendor=x y"],
    ["a/b*c_d-e=!~", "a/b*c_d-e=!~"],
    [`congo=${"x".repeat(256)}`, `congo=${"x".repeat(256)}`],
    [Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(","), Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(",")],
  ])("keeps %j", (raw, kept) => {
    expect(parseTracestate(raw)).toBe(kept);
  });

  it.each([
    ["", "empty"],
    [" , ", "only empty members"],
    ["Congo=x", "an upper-case key"],
    ["1abc=x", "a simple key starting with a digit"],
    ["congo=a=b", "a value holding ="],
    ["congo=", "an empty value"],
    ["congo=a,congo=b", "a duplicate key"],
    [Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(","), "33 members"],
    [`congo=${"x".repeat(257)}`, "a value over 256 characters"],
    [`${Array.from({ length: 3 }, (_, i) => `k${i}=${"v".repeat(200)}`).join(",")}`, "over 512 characters"],
    ["congo=\u00e9", "a non-ASCII value"],
  ])("drops %j (%s)", (raw) => {
    expect(parseTracestate(raw)).toBeUndefined();
  });

  it("keeps a tracestate only beside a well-formed traceparent", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    expect(traceContextOf(traceparent, "congo=x")).toEqual({ traceparent, tracestate: "congo=x" });
    expect(traceContextOf(traceparent, "Congo=x")).toEqual({ traceparent });
    expect(traceContextOf("00-nonsense", "congo=x")).toEqual({});
    expect(traceContextOf(undefined, "congo=x")).toEqual({});
  });
});
