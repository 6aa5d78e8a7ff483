import type { Metrics } from "../../ports/metrics.js";
import type { OutboxEntry } from "../../ports/store.js";
import { parseTraceparent, traceparentKey } from "../../ports/trace-context.js";
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

/** The traceparent a request carries in `meta` (set by the pipeline on effects), if well formed. */
export function carriedTraceparent(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = meta?.[traceparentKey];
  return parseTraceparent(value) === undefined ? undefined : (value as string);
}

/** Effects stamped with the trace of the request that caused them; unchanged outside a trace. */
export function withTraceparent(effects: readonly OutboxEntry[], traceparent: string | undefined): readonly OutboxEntry[] {
  if (traceparent === undefined || effects.length === 0) return effects;
  return effects.map((effect) => ({
    ...effect,
    request: { ...effect.request, meta: { ...effect.request.meta, [traceparentKey]: traceparent } },
  }));
}
