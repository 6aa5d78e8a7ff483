import type { Context, Span as OtelSpan, TracerProvider } from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent, parseTracestate } from "../../core/ports/trace-context.js";
import type { Span, SpanAttributes, Tracer } from "../../core/ports/tracer.js";
import { otel as api } from "./sdk.js";

export interface OpenTelemetryTracerOptions {
  /** Defaults to the global provider, which an installed SDK registers (a no-op until then). */
  readonly tracerProvider?: TracerProvider;
  /** Instrumentation scope name (default "edd"). */
  readonly name?: string;
  readonly version?: string;
}

/**
 * The core Tracer port on `@opentelemetry/api`. Without an SDK every span is non-recording and
 * costs next to nothing; with one, spans nest through the SDK's context manager.
 */
export function openTelemetryTracer(options: OpenTelemetryTracerOptions = {}): Tracer {
  const name = options.name ?? "edd";
  // trace.getTracer returns a proxy that follows a provider registered later, e.g. by an SDK started after import.
  const tracer = options.tracerProvider?.getTracer(name, options.version) ?? api.trace.getTracer(name, options.version);
  const underlying = new WeakMap<Span, OtelSpan>();

  return {
    startSpan(spanName, attributes = {}, options = {}) {
      const span = tracer.startSpan(spanName, { attributes: definedOnly(attributes) }, parentContext(options.parent, options.tracestate));
      const bridged: Span = {
        setAttribute: (key, value) => void span.setAttribute(key, value),
        recordError(error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        },
        end: () => span.end(),
      };
      underlying.set(bridged, span);
      return bridged;
    },
    withSpan(span, fn) {
      const otel = underlying.get(span);
      return otel === undefined ? fn() : api.context.with(api.trace.setSpan(api.context.active(), otel), fn);
    },
    traceparent() {
      const active = api.trace.getSpanContext(api.context.active());
      if (active === undefined || !api.trace.isSpanContextValid(active)) return undefined;
      return formatTraceparent({ traceId: active.traceId, spanId: active.spanId, flags: active.traceFlags });
    },
    tracestate() {
      const active = api.trace.getSpanContext(api.context.active());
      if (active === undefined || !api.trace.isSpanContextValid(active)) return undefined;
      return parseTracestate(active.traceState?.serialize());
    },
  };
}

/**
 * The active context, or a remote parent that came across a hop (a malformed one is ignored). Its
 * tracestate goes on the parent's span context, so the SDK hands it down to every child span.
 */
function parentContext(traceparent: string | undefined, tracestate: string | undefined): Context {
  const remote = parseTraceparent(traceparent);
  if (remote === undefined) return api.context.active();
  const state = parseTracestate(tracestate);
  return api.trace.setSpanContext(api.context.active(), {
    traceId: remote.traceId,
    spanId: remote.spanId,
    traceFlags: remote.flags,
    isRemote: true,
    ...(state === undefined ? {} : { traceState: api.createTraceState(state) }),
  });
}

/** OpenTelemetry drops undefined values anyway; leaving them out keeps exporters from warning. */
function definedOnly(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) result[key] = value;
  return result;
}
