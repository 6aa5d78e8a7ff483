export { openTelemetryTracer, type OpenTelemetryTracerOptions } from "./tracer.js";
// The port and its helper, so code that only traces needs one import.
export { noopTracer, traced, type Span, type SpanAttributes, type Tracer } from "../../core/ports/tracer.js";
