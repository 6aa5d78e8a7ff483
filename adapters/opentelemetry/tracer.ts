import { context, type Span as OtelSpan, SpanStatusCode, type TracerProvider, trace } from "@opentelemetry/api";
import type { Span, SpanAttributes, Tracer } from "../../core/ports/tracer.js";

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
  const tracer = options.tracerProvider?.getTracer(name, options.version) ?? trace.getTracer(name, options.version);
  const underlying = new WeakMap<Span, OtelSpan>();

  return {
    startSpan(spanName, attributes = {}) {
      const span = tracer.startSpan(spanName, { attributes: definedOnly(attributes) }, context.active());
      const bridged: Span = {
        setAttribute: (key, value) => void span.setAttribute(key, value),
        recordError(error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        },
        end: () => span.end(),
      };
      underlying.set(bridged, span);
      return bridged;
    },
    withSpan(span, fn) {
      const otel = underlying.get(span);
      return otel === undefined ? fn() : context.with(trace.setSpan(context.active(), otel), fn);
    },
  };
}

/** OpenTelemetry drops undefined values anyway; leaving them out keeps exporters from warning. */
function definedOnly(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) result[key] = value;
  return result;
}
