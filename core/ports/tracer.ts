import { type TraceContext, traceContextOf } from "./trace-context.js";

/** Attribute values every tracing backend accepts. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Span {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Marks the span failed; for faults only, a business rejection is an answer, not an error. */
  recordError(error: unknown): void;
  end(): void;
}

/**
 * The little tracing the pipeline needs; adapters bridge it to OpenTelemetry or a vendor SDK.
 * `withSpan` makes a span the parent of spans started inside `fn`, across awaits where the
 * platform can track that (AsyncLocalStorage on Node); the no-op tracer just calls `fn`.
 */
export interface Tracer {
  /**
   * Starts a span under the active one, or under `options.parent` (a W3C traceparent that came
   * across a hop: a queue message, an outbox record, an HTTP header) when given and well formed.
   */
  startSpan(name: string, attributes?: SpanAttributes, options?: StartSpanOptions): Span;
  withSpan<T>(span: Span, fn: () => T): T;
  /** The W3C traceparent of the active span, to send across a hop; undefined outside a recorded trace. */
  traceparent?(): string | undefined;
  /** The W3C tracestate of the active span (inherited from its remote parent), sent beside the traceparent. */
  tracestate?(): string | undefined;
}

export interface StartSpanOptions {
  /** A traceparent received from the previous hop; it wins over the active span. */
  readonly parent?: string;
  /** The tracestate that came with `parent`; ignored without it. */
  readonly tracestate?: string;
}

/** The context of the active span, to send across a hop; empty outside a recorded trace. */
export function activeTraceContext(tracer: Tracer): TraceContext {
  const traceparent = tracer.traceparent?.();
  if (traceparent === undefined) return {};
  return traceContextOf(traceparent, tracer.tracestate?.());
}

/** Options that start a span under a received context; none (the active span) when there is no valid one. */
export function continuing(received: TraceContext): StartSpanOptions {
  const context = traceContextOf(received.traceparent, received.tracestate);
  if (context.traceparent === undefined) return {};
  return { parent: context.traceparent, ...(context.tracestate === undefined ? {} : { tracestate: context.tracestate }) };
}

const noopSpan: Span = { setAttribute() {}, recordError() {}, end() {} };

export const noopTracer: Tracer = { startSpan: () => noopSpan, withSpan: (_span, fn) => fn() };

/** Runs `fn` in a child span that ends when `fn` settles; a thrown fault is recorded and rethrown. */
export async function traced<T>(tracer: Tracer, name: string, attributes: SpanAttributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, attributes);
  try {
    return await tracer.withSpan(span, () => fn(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}
