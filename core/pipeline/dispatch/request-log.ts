import type { Principal } from "../../model/principal.js";
import type { Logger } from "../../ports/logger.js";
import type { SpanAttributes } from "../../ports/tracer.js";
import type { DispatchResult, ResponseIds } from "../../model/result.js";

/** The attributes every request span carries, named like the log fields' OpenTelemetry cousins. */
export function requestSpanAttributes(ids: ResponseIds, principal: Principal): SpanAttributes {
  return {
    "edd.request_id": ids.requestId,
    "edd.interaction_id": ids.interactionId,
    "edd.invocation_id": ids.invocationId,
    "edd.realm": principal.realm,
  };
}

/**
 * One line when a request starts and one when it is answered, on a logger already bound to the
 * request's ids. Names, realm and principal only: attributes may hold personal data, so the
 * body is logged only when the engine is configured with `logPayloads`, and then with the
 * attributes its schemas mark personal redacted (core/privacy/redact.ts).
 */
export function logRequestStart(
  log: Logger,
  kind: "command" | "query",
  principal: Principal,
  names: readonly string[],
  body: unknown,
): (result: DispatchResult) => void {
  const started = globalThis.performance.now();
  const plural = kind === "command" ? "commands" : "queries";
  log.info(`${kind} received`, {
    realm: principal.realm,
    principal: principal.id,
    [plural]: names,
    ...(body === undefined ? {} : { body }),
  });
  return (result) => {
    const durationMs = Math.round((globalThis.performance.now() - started) * 100) / 100;
    const errorCode = "error" in result.body ? result.body.error.code : undefined;
    log.info(`${kind} answered`, { status: result.status, durationMs, ...(errorCode === undefined ? {} : { errorCode }) });
  };
}
