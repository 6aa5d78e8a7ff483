import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  context,
  metrics,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousPrincipal, createEngine } from "../../core/index.js";
import { traced } from "../../core/ports/tracer.js";
import { bankServices } from "../../examples/bank/services.js";
import { MemoryStore } from "../memory/index.js";
import { eddInstruments, openTelemetryMetrics, openTelemetryTracer } from "./index.js";

/** What an exporter would receive, kept in memory. */
interface FinishedSpan {
  readonly name: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Attributes;
  readonly status: SpanStatus;
  readonly exceptions: readonly string[];
}

class RecordingSpan implements Span {
  readonly attributes: Attributes;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly exceptions: string[] = [];
  readonly #context: SpanContext;

  constructor(
    readonly name: string,
    options: SpanOptions,
    readonly parentSpanId: string | undefined,
    private readonly finished: FinishedSpan[],
  ) {
    this.attributes = { ...options.attributes };
    this.#context = { traceId: "1".repeat(32), spanId: crypto.randomUUID().replaceAll("-", "").slice(0, 16), traceFlags: 1 };
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    const { name, parentSpanId, attributes, status, exceptions } = this;
    this.finished.push({ name, spanId: this.#context.spanId, parentSpanId, attributes, status, exceptions });
  }
  isRecording(): boolean {
    return true;
  }
  recordException(exception: unknown): void {
    this.exceptions.push(exception instanceof Error ? exception.message : String(exception));
  }
}

class RecordingProvider implements TracerProvider {
  readonly finished: FinishedSpan[] = [];
  getTracer(): Tracer {
    return {
      startSpan: (name: string, options: SpanOptions = {}, parent: Context = context.active()) =>
        new RecordingSpan(name, options, trace.getSpan(parent)?.spanContext().spanId, this.finished),
      startActiveSpan(): never {
        throw new Error("the edd bridge starts spans with startSpan and context.with");
      },
    };
  }
}

/** What an SDK's AsyncLocalStorage context manager does, in a few lines. */
class AsyncContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const ids = { "edd.request_id": "r-1", "edd.interaction_id": "i-1", "edd.invocation_id": "v-1" };

describe("openTelemetryTracer without an SDK", () => {
  it("is a no-op that still runs the traced work", async () => {
    const answer = await traced(openTelemetryTracer(), "edd.command", ids, async (span) => {
      span.setAttribute("edd.status", 200);
      return 42;
    });
    expect(answer).toBe(42);
  });
});

describe("openTelemetryTracer with a provider registered globally", () => {
  const provider = new RecordingProvider();

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncContextManager());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it("names spans, carries the request's ids and nests spans started inside", async () => {
    const tracer = openTelemetryTracer();
    await traced(tracer, "edd.command", { ...ids, "edd.realm": "bank-a", "edd.error_code": undefined }, async (span) => {
      await traced(tracer, "edd.handle", { "edd.command": "accounts.Deposit" }, async () => {});
      await traced(tracer, "edd.store.commit", { "edd.events": 1 }, async () => {});
      span.setAttribute("edd.status", 200);
    });

    const [handle, commit, command] = provider.finished.splice(0);
    expect(command).toMatchObject({
      name: "edd.command",
      parentSpanId: undefined,
      attributes: { ...ids, "edd.realm": "bank-a", "edd.status": 200 },
    });
    expect(command?.attributes).not.toHaveProperty("edd.error_code");
    expect(handle).toMatchObject({ name: "edd.handle", parentSpanId: command?.spanId });
    expect(commit).toMatchObject({ name: "edd.store.commit", parentSpanId: command?.spanId, attributes: { "edd.events": 1 } });
  });

  it("records a fault on the span, marks it failed and ends it", async () => {
    const tracer = openTelemetryTracer();
    const fault = traced(tracer, "edd.store.commit", ids, async () => {
      throw new Error("connection reset");
    });
    await expect(fault).rejects.toThrow("connection reset");
    expect(provider.finished.splice(0)).toEqual([
      expect.objectContaining({
        name: "edd.store.commit",
        status: { code: SpanStatusCode.ERROR, message: "connection reset" },
        exceptions: ["connection reset"],
      }),
    ]);
  });

  it("wraps a command in edd.command with edd.handle and edd.store.commit inside", async () => {
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), tracer: openTelemetryTracer() });
    const body = {
      requestId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
      commands: [{ command: "OpenAccount", aggregateId: "a1", attributes: { owner: "ada@example.com" } }],
    };
    const result = await engine.command(body, anonymousPrincipal);

    const spans = provider.finished.splice(0);
    expect(spans.map((span) => span.name)).toEqual(["edd.handle", "edd.store.commit", "edd.command"]);
    const command = spans[2];
    expect(command?.attributes).toMatchObject({
      "edd.request_id": body.requestId,
      "edd.interaction_id": body.interactionId,
      "edd.invocation_id": result.body.invocationId,
      "edd.realm": "default",
      "edd.status": 200,
    });
    expect(spans[0]).toMatchObject({
      parentSpanId: command?.spanId,
      attributes: { "edd.command": "OpenAccount", "edd.aggregate_id": "a1" },
    });
    expect(spans[1]).toMatchObject({ parentSpanId: command?.spanId, attributes: { "edd.events": 1, "edd.attempt": 1 } });
  });

  it("wraps a query in edd.query with its ids", async () => {
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), tracer: openTelemetryTracer() });
    const body = {
      requestId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
      query: { query: "GetAccount", attributes: { id: "a1" } },
    };
    const result = await engine.query(body, anonymousPrincipal);
    expect(provider.finished.splice(0)).toEqual([
      expect.objectContaining({
        name: "edd.query",
        attributes: expect.objectContaining({
          "edd.request_id": body.requestId,
          "edd.invocation_id": result.body.invocationId,
          "edd.status": 200,
        }),
      }),
    ]);
  });

  it("accepts an explicit provider instead of the global one", async () => {
    const own = new RecordingProvider();
    await traced(openTelemetryTracer({ tracerProvider: own }), "edd.query", ids, async () => {});
    expect(own.finished.map((span) => span.name)).toEqual(["edd.query"]);
    expect(provider.finished).toEqual([]);
  });
});

describe("openTelemetryMetrics", () => {
  it("does nothing without a meter provider, and follows one registered globally later", async () => {
    const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = await import(
      "@opentelemetry/sdk-metrics"
    );
    const measured = openTelemetryMetrics();
    measured.count("edd.commands", { "edd.outcome": "accepted", "edd.status": 200 });
    measured.record("edd.command.duration", 3, { "edd.outcome": "accepted" });

    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      measured.count("edd.dead_letters", { "edd.source": "outbox" }, 2);
      measured.record("edd.command.duration", 4, { "edd.outcome": "accepted" });
      await reader.forceFlush();
      const exported = exporter.getMetrics().at(-1)?.scopeMetrics ?? [];
      expect(exported.map((scope) => scope.scope.name)).toEqual(["edd"]);
      const byName = new Map(exported[0]?.metrics.map((metric) => [metric.descriptor.name, metric]));
      // Only what was measured after the provider arrived; with the unit and description of eddInstruments.
      expect(byName.get("edd.commands")?.dataPoints ?? []).toEqual([]);
      expect(byName.get("edd.dead_letters")?.dataPoints.map((point) => point.value)).toEqual([2]);
      expect(byName.get("edd.command.duration")?.descriptor).toMatchObject({
        unit: "ms",
        description: eddInstruments["edd.command.duration"].description,
      });
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });
});
