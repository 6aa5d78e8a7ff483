import type { Metrics } from "../../ports/metrics.js";
import type { OutboxEntry } from "../../ports/store.js";
import { type TraceContext, traceContextOf, traceparentKey, tracestateKey } from "../../ports/trace-context.js";
import type { DispatchResult } from "../../model/result.js";

/** accepted (2xx), rejected (4xx: refused, invalid or a business rule), failed (5xx). */
export function outcomeOf(status: number): "accepted" | "rejected" | "failed" {
  return status < 400 ? "accepted" : status < 500 ? "rejected" : "failed";
}

/** One answered command request: its count, its duration and, if refused, its code. */
export function measureAnswer(metrics: Metrics, result: DispatchResult, durationMs: number): void {
  const outcome = outcomeOf(result.status);
  metrics.count("edd.commands", { "edd.outcome": outcome, "edd.status": result.status });
  metrics.record("edd.command.duration", durationMs, { "edd.outcome": outcome });
  if (outcome === "rejected" && "error" in result.body) metrics.count("edd.rejections", { "edd.error_code": result.body.error.code });
}

/** The trace context a request carries in `meta` (set by the pipeline on effects), if well formed. */
export function carriedTraceContext(meta: Readonly<Record<string, unknown>> | undefined): TraceContext {
  return traceContextOf(meta?.[traceparentKey], meta?.[tracestateKey]);
}

/** Effects stamped with the trace context of the request that caused them; unchanged outside a trace. */
export function withTraceContext(effects: readonly OutboxEntry[], trace: TraceContext): readonly OutboxEntry[] {
  if (trace.traceparent === undefined || effects.length === 0) return effects;
  const carried = {
    [traceparentKey]: trace.traceparent,
    ...(trace.tracestate === undefined ? {} : { [tracestateKey]: trace.tracestate }),
  };
  return effects.map((effect) => ({ ...effect, request: { ...effect.request, meta: { ...effect.request.meta, ...carried } } }));
}
