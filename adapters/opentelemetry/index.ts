export { openTelemetryMetrics, type OpenTelemetryMetricsOptions } from "./metrics.js";
export { openTelemetryTracer, type OpenTelemetryTracerOptions } from "./tracer.js";
// The ports and their helpers, so code that only traces or measures needs one import.
export { noopTracer, traced, type Span, type SpanAttributes, type StartSpanOptions, type Tracer } from "../../core/ports/tracer.js";
export {
  type CounterName,
  eddInstruments,
  type HistogramName,
  type MetricAttributes,
  type Metrics,
  noopMetrics,
} from "../../core/ports/metrics.js";
export { formatTraceparent, parseTraceparent, type TraceParent } from "../../core/ports/trace-context.js";
